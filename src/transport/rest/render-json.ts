import { ScalarType, toJson, type DescField, type DescMessage, type JsonObject, type JsonValue, type Message } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { enumWord } from "./enum-words.js";

/**
 * The REST JSON of docs/api.md, which is not ProtoJSON: proto (snake_case) field names,
 * every field present with zero values included, enum words instead of
 * constant names (see enum-words.ts), int64 as a number while it is exact,
 * and null for an unset message (an absent time) or an unset proto3
 * `optional` field (an absent email).
 */
export function renderMessage(desc: DescMessage, message: Message): JsonObject {
  return renderReflected(reflect(desc, message));
}

/** The HTTP body of a response: the whole message, or only the field named by response_body. */
export function renderResponse(desc: DescMessage, message: Message, responseBodyField?: DescField): JsonValue {
  if (responseBodyField === undefined) return renderMessage(desc, message);
  return renderField(reflect(desc, message), responseBodyField);
}

function renderReflected(message: ReflectMessage): JsonObject {
  const json: JsonObject = {};
  for (const field of message.fields) json[field.name] = renderField(message, field);
  return json;
}

function renderField(message: ReflectMessage, field: DescField): JsonValue {
  switch (field.fieldKind) {
    case "list":
      return Array.from(message.get(field), (item) => renderSingular(field, item));
    case "map": {
      const json: JsonObject = {};
      for (const [key, value] of message.get(field)) json[String(key)] = renderSingular(field, value);
      return json;
    }
    default:
      return hasValue(message, field) ? renderSingular(field, message.get(field)) : null;
  }
}

// Fields without presence always have a value (their zero value when unset).
function hasValue(message: ReflectMessage, field: DescField): boolean {
  const tracksPresence =
    field.fieldKind === "message" || field.oneof !== undefined || field.presence === FeatureSet_FieldPresence.EXPLICIT;
  return !tracksPresence || message.isSet(field);
}

function renderSingular(field: DescField, value: unknown): JsonValue {
  if (field.enum !== undefined) {
    const known = field.enum.value[value as number];
    return known === undefined ? (value as number) : enumWord(known);
  }
  if (field.message !== undefined) return renderNested(value as ReflectMessage);
  return renderScalar(field.scalar ?? ScalarType.STRING, value);
}

// Well-known types (Timestamp, Struct, Duration, wrappers) have a JSON form of
// their own: an RFC 3339 "…Z" string for a Timestamp, plain JSON for a Struct.
function renderNested(message: ReflectMessage): JsonValue {
  if (message.desc.file.proto.package === "google.protobuf") return toJson(message.desc, message.message);
  return renderReflected(message);
}

function renderScalar(type: ScalarType, value: unknown): JsonValue {
  switch (type) {
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64: {
      const big = BigInt(value as bigint | string);
      const exact = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
      return exact ? Number(big) : big.toString();
    }
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE: {
      const number = value as number;
      return Number.isFinite(number) ? number : String(number);
    }
    case ScalarType.BYTES:
      return base64Encode(value as Uint8Array);
    default:
      return value as string | number | boolean;
  }
}
