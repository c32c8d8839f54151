import { enumValueOfWord } from "./enum-words.js";
import { create, mergeFromJson, type DescField, type DescMessage, type JsonValue, type Message } from "@bufbuild/protobuf";
import { isSchedError, SchedError } from "../../core/errors.js";
import { fieldJsonFromText, textRequirement } from "./field-from-text.js";

/** Where each part of an HTTP request goes in the request message. */
export interface RequestShape {
  input: DescMessage;
  /** The fields bound by path variables, which carry the field's proto name. */
  pathFields: readonly DescField[];
  /** body: "*" for the whole message, one field, or none. */
  bodyField: DescField | "*" | undefined;
  /** The fields a query parameter may set, by proto name and by JSON (lowerCamel) name. */
  queryFields: ReadonlyMap<string, DescField>;
}

export interface HttpRequestParts {
  variables: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** The body's JSON text; empty when there is none. */
  body: string;
}

/** Every field of the request that neither the path nor the body binds can be a query parameter. */
export function queryFieldsOf(input: DescMessage, isBound: (field: DescField) => boolean): Map<string, DescField> {
  const fields = new Map<string, DescField>();
  for (const field of input.fields) {
    if (isBound(field)) continue;
    fields.set(field.name, field);
    fields.set(field.jsonName, field);
  }
  return fields;
}

/**
 * The request message of an HTTP request: the JSON body, then the query
 * parameters, then the path variables, so that the resource the URL names
 * wins over a body that names another. Throws SchedError for the caller's
 * mistakes (invalid_request_body, invalid_argument).
 */
export function buildRequestMessage(shape: RequestShape, parts: HttpRequestParts): Message {
  const message = create(shape.input);
  if (shape.bodyField !== undefined && parts.body.trim() !== "") mergeBody(shape, message, parts.body);
  for (const [name, texts] of groupedParameters(parts.query)) {
    const field = shape.queryFields.get(name);
    if (field === undefined) throw new SchedError("invalid_argument", `unknown query parameter ${JSON.stringify(name)}`);
    mergeText(shape.input, message, field, texts, `query parameter ${JSON.stringify(name)}`);
  }
  for (const field of shape.pathFields) {
    const text = parts.variables[field.name];
    if (text !== undefined) mergeText(shape.input, message, field, [text], `path parameter {${field.name}}`);
  }
  return message;
}

function mergeBody(shape: RequestShape, message: Message, text: string): void {
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch {
    throw new SchedError("invalid_request_body", "the request body is not valid JSON");
  }
  if (shape.bodyField === "*" && (typeof json !== "object" || json === null || Array.isArray(json))) {
    throw new SchedError("invalid_request_body", "the request body must be a JSON object");
  }
  try {
    const fields = shape.bodyField === "*" ? json : { [shape.bodyField!.name]: json };
    mergeFromJson(shape.input, message, withEnumNames(shape.input, fields), { ignoreUnknownFields: false });
  } catch (error) {
    throw new SchedError("invalid_request_body", `the request body is invalid: ${jsonReadFailure(error)}`);
  }
}

/**
 * Enum values in a body may be written as the REST API writes them
 * ("APPOINTMENT_CREATED", "pending"), not only by their full proto names:
 * a client sends back what it read. Unknown words are left for the JSON
 * reader to refuse.
 */
function withEnumNames(desc: DescMessage, json: JsonValue): JsonValue {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return json;
  const named: Record<string, JsonValue> = { ...json };
  for (const field of desc.fields) {
    const key = field.name in named ? field.name : field.jsonName;
    const value = named[key];
    if (value === undefined) continue;
    const word = (item: JsonValue): JsonValue => (typeof item === "string" && field.enum ? (enumValueOfWord(field.enum, item)?.name ?? item) : item);
    if (field.fieldKind === "enum") named[key] = word(value);
    else if (field.fieldKind === "list" && field.listKind === "enum") named[key] = Array.isArray(value) ? value.map(word) : value;
    else if (field.fieldKind === "message" && !field.message.typeName.startsWith("google.protobuf.")) named[key] = withEnumNames(field.message, value);
  }
  return named;
}

function mergeText(input: DescMessage, message: Message, field: DescField, texts: string[], what: string): void {
  try {
    mergeFromJson(input, message, { [field.name]: fieldJsonFromText(field, texts) });
  } catch (error) {
    const why = isSchedError(error) ? error.message : textRequirement(field);
    const given = texts.length === 1 ? JSON.stringify(texts[0]) : JSON.stringify(texts);
    throw new SchedError("invalid_argument", `${what} ${why}, got ${given}`);
  }
}

function groupedParameters(query: URLSearchParams): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of query) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return grouped;
}

// protobuf-es names fields by their full proto path ("cannot decode field
// sched.v1.CreateAppointmentRequest.slot_id from JSON: expected string, got 5");
// a REST caller knows only the field's own name.
function jsonReadFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const parts = /^cannot decode (field|message) ([\w.]+) from JSON: (.*)$/s.exec(message);
  if (parts === null) return message;
  const [, kind, name = "", why = ""] = parts;
  return kind === "field" ? `${name.slice(name.lastIndexOf(".") + 1)}: ${why}` : why;
}
