export { createSchedClient, type SchedClient, type SchedClientOptions, type SchedProtocol } from "./create-sched-client.js";
export { errorReason } from "./error-reason.js";
export * from "../../gen/sched/v1/appointment_pb.js";
export * from "../../gen/sched/v1/appointment_service_pb.js";
export * from "../../gen/sched/v1/directory_pb.js";
export * from "../../gen/sched/v1/directory_service_pb.js";
export * from "../../gen/sched/v1/slot_pb.js";
export * from "../../gen/sched/v1/slot_service_pb.js";
