import { getOption, hasOption, type DescMethod, type JsonValue, type Message } from "@bufbuild/protobuf";
import { http } from "../../gen/google/api/annotations_pb.js";
import { renderResponse } from "../transport/rest/render-json.js";

/**
 * What the REST API answers for this call: the method's google.api.http
 * response_body picks the part of the response that is the HTTP body, and
 * the REST renderer writes it (snake_case, lowercase statuses, null when absent).
 */
export function restJson(method: DescMethod, response: Message): JsonValue {
  const responseBody = hasOption(method, http) ? getOption(method, http).responseBody : "";
  const field = responseBody === "" ? undefined : method.output.fields.find((candidate) => candidate.name === responseBody);
  return renderResponse(method.output, response, field);
}
