import type { DescFile } from "@bufbuild/protobuf";

/**
 * The given files with every file they import, directly or not, each once.
 * Well-known types come in as the descriptors @bufbuild/protobuf/wkt exports,
 * since that is what the generated files import.
 */
export function filesWithImports(roots: readonly DescFile[]): DescFile[] {
  const files = new Map<string, DescFile>();
  for (const root of roots) collect(root, files);
  return [...files.values()];
}

/**
 * The file first, then everything it imports, directly or not: a client can
 * only build a file from its whole import graph, and reflection clients
 * (buf curl, grpcurl) expect the server to send it with the file.
 */
export function fileWithImports(file: DescFile): DescFile[] {
  return filesWithImports([file]);
}

function collect(file: DescFile, files: Map<string, DescFile>): void {
  if (files.has(file.proto.name)) return;
  files.set(file.proto.name, file);
  for (const dependency of file.dependencies) collect(dependency, files);
}
