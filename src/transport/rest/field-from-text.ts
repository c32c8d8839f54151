import { ScalarType, type DescField, type JsonValue } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { SchedError } from "../../core/errors.js";
import { enumValueOfWord, enumWords } from "./enum-words.js";

// A path or query value that cannot stand for its field is invalid_argument,
// whose message says what it must be; the caller names the parameter.
function mustBe(requirement: string): SchedError {
  return new SchedError("invalid_argument", requirement);
}

// Well-known types whose JSON form is a string of their own syntax.
const textWellKnownTypes: Record<string, string> = {
  "google.protobuf.Timestamp": "an RFC 3339 time such as 2031-01-06T08:00:00Z",
  "google.protobuf.Duration": "a duration in seconds such as 1.5s",
  "google.protobuf.FieldMask": "a comma-separated list of field paths",
};

/**
 * The ProtoJSON value of a field given as text in a URL. Only the spelling
 * is translated here (booleans, enum words); the caller hands the result to
 * protobuf-es' JSON reader, which checks ranges and formats as it does for
 * bodies. A repeated field takes every occurrence of its parameter.
 */
export function fieldJsonFromText(field: DescField, texts: readonly string[]): JsonValue {
  if (field.fieldKind === "map") throw mustBe("cannot be given in the URL");
  if (field.fieldKind === "list") return texts.map((text) => singularJson(field, text));
  if (texts.length !== 1) throw mustBe("must be given only once");
  return singularJson(field, texts[0]!);
}

/** What a field's text must look like, as the end of "query parameter "x" …". */
export function textRequirement(field: DescField): string {
  if (field.enum !== undefined) return `must be one of ${enumWords(field.enum).join(", ")}`;
  if (field.message !== undefined) {
    const wrapped = wrappedField(field);
    if (wrapped !== undefined) return textRequirement(wrapped);
    const syntax = textWellKnownTypes[field.message.typeName];
    return syntax === undefined ? "cannot be given in the URL" : `must be ${syntax}`;
  }
  if (field.scalar === ScalarType.BOOL) return "must be true or false";
  return `must be a value of type ${ScalarType[field.scalar].toLowerCase()}`;
}

function singularJson(field: DescField, text: string): JsonValue {
  if (field.enum !== undefined) {
    const value = enumValueOfWord(field.enum, text);
    if (value === undefined) throw mustBe(textRequirement(field));
    return value.name;
  }
  if (field.message !== undefined) {
    const wrapped = wrappedField(field);
    if (wrapped !== undefined) return singularJson(wrapped, text);
    if (field.message.typeName in textWellKnownTypes) return text;
    throw mustBe(textRequirement(field));
  }
  if (field.scalar === ScalarType.BOOL) {
    if (text === "true" || text === "false") return text === "true";
    throw mustBe(textRequirement(field));
  }
  return text;
}

// google.protobuf.Int32Value and its kind read as the scalar they wrap.
function wrappedField(field: DescField): DescField | undefined {
  return field.message !== undefined && isWrapperDesc(field.message) ? field.message.fields[0] : undefined;
}
