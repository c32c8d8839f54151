import type { DescEnum, DescExtension, DescFile, DescMessage } from "@bufbuild/protobuf";

/** Every message declared in the file, nested ones included. */
export function messagesOf(file: DescFile): DescMessage[] {
  const messages: DescMessage[] = [];
  const visit = (message: DescMessage): void => {
    messages.push(message);
    message.nestedMessages.forEach(visit);
  };
  file.messages.forEach(visit);
  return messages;
}

/** Every enum declared in the file, nested ones included. */
export function enumsOf(file: DescFile): DescEnum[] {
  return [...file.enums, ...messagesOf(file).flatMap((message) => message.nestedEnums)];
}

/** Every extension declared in the file, nested ones included. */
export function extensionsOf(file: DescFile): DescExtension[] {
  return [...file.extensions, ...messagesOf(file).flatMap((message) => message.nestedExtensions)];
}
