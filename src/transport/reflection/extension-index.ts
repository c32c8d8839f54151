import type { DescFile } from "@bufbuild/protobuf";
import { extensionsOf } from "./declarations.js";

/** For each extended message's full name, the file declaring each of its extensions, by number. */
export type ExtensionIndex = Map<string, Map<number, DescFile>>;

export function extensionIndex(files: readonly DescFile[]): ExtensionIndex {
  const index: ExtensionIndex = new Map();
  for (const file of files) {
    for (const extension of extensionsOf(file)) {
      const byNumber = index.get(extension.extendee.typeName) ?? new Map<number, DescFile>();
      byNumber.set(extension.number, file);
      index.set(extension.extendee.typeName, byNumber);
    }
  }
  return index;
}
