// Bidirectional isolation of a path or address inside a sentence, for every language.

/**
 * A path or address inside a sentence, isolated (FSI … PDI) so that its
 * slashes and colons keep their order in a right-to-left sentence, and a
 * right-to-left name inside it cannot reorder the sentence around it.
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}
