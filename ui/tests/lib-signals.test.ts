import { describe, expect, it } from "vitest";
import { batch, effect, signal } from "../src/lib/signals";

describe("signals", () => {
  it("run an effect again only when a signal it read changes", () => {
    const a = signal(1);
    const b = signal(10);
    const seen: number[] = [];
    const dispose = effect(() => {
      seen.push(a.value);
    });
    b.value = 11;
    a.value = 1; // the same value: nothing changed
    a.value = 2;
    expect(seen).toEqual([1, 2]);
    dispose();
    a.value = 3;
    expect(seen).toEqual([1, 2]);
  });

  it("run each effect once for a batch of writes", () => {
    const a = signal(0);
    const b = signal(0);
    let runs = 0;
    effect(() => {
      a.value;
      b.value;
      runs++;
    });
    batch(() => {
      a.value = 1;
      b.value = 1;
    });
    expect(runs).toBe(2);
  });

  it("follow only the signals read in the last run", () => {
    const which = signal(true);
    const a = signal("a");
    const b = signal("b");
    const seen: string[] = [];
    effect(() => {
      seen.push(which.value ? a.value : b.value);
    });
    which.value = false;
    a.value = "a2"; // no longer read
    b.value = "b2";
    expect(seen).toEqual(["a", "b", "b2"]);
  });

  it("do not subscribe through peek", () => {
    const a = signal(1);
    let runs = 0;
    effect(() => {
      a.peek();
      runs++;
    });
    a.value = 2;
    expect(runs).toBe(1);
  });

  it("let an effect write a signal that another effect reads", () => {
    const source = signal(1);
    const double = signal(2);
    const seen: number[] = [];
    effect(() => {
      double.value = source.value * 2;
    });
    effect(() => {
      seen.push(double.value);
    });
    source.value = 5;
    expect(seen).toEqual([2, 10]);
  });

  it("stop an effect that keeps writing what it reads", () => {
    const a = signal(0);
    expect(() =>
      effect(() => {
        a.value = a.value + 1;
      }),
    ).toThrow(/keep writing/);
  });
});
