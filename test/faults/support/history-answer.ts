import type { OperationAnswer } from "../../../src/core/history/history-operation.js";
import type { CallResult } from "./rest-call.js";

/**
 * What the history records of a REST call: acknowledged; a refusal (4xx),
 * which changed nothing unless `uncertain` (an earlier attempt went
 * unanswered and may have made the change); or of unknown fate (no answer, a
 * 5xx, which may come after a commit).
 */
export function historyAnswer(result: CallResult | undefined, acknowledged: boolean, uncertain = false, lastFailure = "no attempt"): OperationAnswer {
  if (acknowledged) return { outcome: "ok" };
  if (result === undefined) return { outcome: "unknown", reason: `no answer (${lastFailure})` };
  if (!result.answered) return { outcome: "unknown", reason: `no answer (${result.error})` };
  const code = typeof result.body.error === "string" ? result.body.error : `http_${result.status}`;
  if (result.status >= 500) return { outcome: "unknown", reason: `${result.status} ${code}` };
  if (uncertain) return { outcome: "unknown", reason: `${code} after ${lastFailure}` };
  return { outcome: "refused", code };
}

/** The id of an acknowledged booking (a 2xx with an id: 201, or a replay of it), if the call was one. */
export function bookedId(result: CallResult | undefined): string | undefined {
  return result?.answered && result.status >= 200 && result.status < 300 && typeof result.body.id === "string" ? result.body.id : undefined;
}
