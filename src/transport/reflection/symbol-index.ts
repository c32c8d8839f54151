import type { DescEnum, DescFile } from "@bufbuild/protobuf";
import { enumsOf, extensionsOf, messagesOf } from "./declarations.js";

/**
 * The file that declares each fully qualified name: services and their
 * methods, messages and their fields and oneofs, enums and their values,
 * extensions. These are the names file_containing_symbol may be asked for.
 */
export function symbolIndex(files: readonly DescFile[]): Map<string, DescFile> {
  const index = new Map<string, DescFile>();
  for (const file of files) {
    for (const name of symbolsOf(file)) index.set(name, file);
  }
  return index;
}

function symbolsOf(file: DescFile): string[] {
  const services = file.services.flatMap((service) => [
    service.typeName,
    ...service.methods.map((method) => `${service.typeName}.${method.name}`),
  ]);
  const messages = messagesOf(file).flatMap((message) => [
    message.typeName,
    ...message.fields.map((field) => `${message.typeName}.${field.name}`),
    ...message.oneofs.map((oneof) => `${message.typeName}.${oneof.name}`),
  ]);
  const enums = enumsOf(file).flatMap((enumeration) => [enumeration.typeName, ...enumValueNames(enumeration)]);
  const extensions = extensionsOf(file).map((extension) => extension.typeName);
  return [...services, ...messages, ...enums, ...extensions];
}

// Protobuf scopes enum values as siblings of their enum, not inside it.
function enumValueNames(enumeration: DescEnum): string[] {
  const scopeEnd = enumeration.typeName.lastIndexOf(".");
  const scope = scopeEnd < 0 ? "" : enumeration.typeName.slice(0, scopeEnd + 1);
  return enumeration.values.map((value) => `${scope}${value.name}`);
}
