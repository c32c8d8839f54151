import type { DescEnum, DescEnumValue } from "@bufbuild/protobuf";

/**
 * How an enum value reads in REST JSON. The enum's own prefix is dropped
 * (APPOINTMENT_STATUS_PENDING → PENDING); then the choice is made per enum,
 * from its name in the descriptor:
 *
 * - an enum named `…Status` is a set of states, and the REST API writes states as
 *   lowercase words: "pending", "open" (a two-word state would read "no_show");
 * - any other enum keeps the name as declared: AppointmentEventType's
 *   APPOINTMENT_EVENT_TYPE_APPOINTMENT_CREATED reads "APPOINTMENT_CREATED",
 *   the event type's name in docs/api.md.
 *
 * Deciding per enum rather than per value keeps every value of one enum in
 * one style, and adding a value never changes how the others read.
 */
export function enumWord(value: DescEnumValue): string {
  const short = shortName(value);
  return writesStates(value.parent) ? short.toLowerCase() : short;
}

/** The value named by its full name, its rendered word or its short name in any case. */
export function enumValueOfWord(descEnum: DescEnum, text: string): DescEnumValue | undefined {
  return descEnum.values.find(
    (value) => value.name === text || shortName(value).toUpperCase() === text.toUpperCase(),
  );
}

/** The words an enum accepts, for messages that say what was expected. */
export function enumWords(descEnum: DescEnum): string[] {
  return descEnum.values.filter((value) => value.number !== 0).map(enumWord);
}

function writesStates(descEnum: DescEnum): boolean {
  return descEnum.name.endsWith("Status");
}

function shortName(value: DescEnumValue): string {
  const prefix = value.parent.sharedPrefix?.toUpperCase();
  return prefix !== undefined && value.name.startsWith(prefix) ? value.name.slice(prefix.length) : value.name;
}
