// `sched token` signs with the adapter that the server's verifier is tested against.
export { signToken } from "../adapters/jwt/sign-token.js";
