import { toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { extensionIndex } from "./extension-index.js";
import { fileWithImports, filesWithImports } from "./file-closure.js";
import { symbolIndex } from "./symbol-index.js";

/** Serialized google.protobuf.FileDescriptorProtos: the file asked for first, then all it imports. */
export type FileDescriptors = Uint8Array[];

/** What server reflection can tell about the served services. Unknown names answer undefined. */
export interface ReflectionCatalog {
  serviceNames: string[];
  fileByName(fileName: string): FileDescriptors | undefined;
  fileContainingSymbol(symbol: string): FileDescriptors | undefined;
  fileContainingExtension(extendee: string, number: number): FileDescriptors | undefined;
  /** Ascending; empty for a known message that nothing extends. */
  extensionNumbersOf(extendee: string): number[] | undefined;
}

/**
 * Indexes the generated descriptors once, at start-up, so that each answer is
 * a lookup. Besides the services' files, it describes the given extra files:
 * types that reach clients without any service file importing them.
 */
export function reflectionCatalog(services: readonly DescService[], extraFiles: readonly DescFile[] = []): ReflectionCatalog {
  const files = filesWithImports([...services.map((service) => service.file), ...extraFiles]);
  const descriptors = new Map(files.map((file) => [file.proto.name, fileWithImports(file).map(serialize)]));
  const symbols = symbolIndex(files);
  const extensions = extensionIndex(files);
  const describe = (file: DescFile | undefined): FileDescriptors | undefined =>
    file && descriptors.get(file.proto.name);

  return {
    serviceNames: services.map((service) => service.typeName),
    fileByName: (fileName) => descriptors.get(fileName),
    fileContainingSymbol: (symbol) => describe(symbols.get(symbol)),
    fileContainingExtension: (extendee, number) => describe(extensions.get(extendee)?.get(number)),
    extensionNumbersOf(extendee) {
      const numbers = [...(extensions.get(extendee)?.keys() ?? [])].sort((a, b) => a - b);
      return numbers.length > 0 || symbols.has(extendee) ? numbers : undefined;
    },
  };
}

function serialize(file: DescFile): Uint8Array {
  return toBinary(FileDescriptorProtoSchema, file.proto);
}
