// The controllers: one per job, put together by Controller.

export { Controller, type ControllerOptions } from "./controller";
export { LINK_DOWN, READ_ONLY } from "./commands";
export type { ConsoleIpc, ControllerContext } from "./context";
export { Loader } from "./loader";
export { LINK_CHANGES_LIMIT, LINK_CHANGES_S } from "./refresh";
