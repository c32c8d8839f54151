/** Socket error codes as an operator would say them. */
export const networkErrorWords: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection reset",
  ETIMEDOUT: "timed out",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

const untrusted = "its certificate is not trusted: give the CA that signed it with --ca-file (or SCHED_CA_FILE)";

/**
 * TLS failures, by the code Node gives them, in words that say what to do
 * instead of OpenSSL's (`ssl3_get_record:wrong version number`).
 */
export const tlsErrorWords: Record<string, string> = {
  ERR_SSL_WRONG_VERSION_NUMBER: "it does not speak TLS: use an http:// URL",
  ERR_SSL_PACKET_LENGTH_TOO_LONG: "it does not speak TLS: use an http:// URL",
  ERR_SSL_HTTP_REQUEST: "it does not speak TLS: use an http:// URL",
  DEPTH_ZERO_SELF_SIGNED_CERT: untrusted,
  SELF_SIGNED_CERT_IN_CHAIN: untrusted,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: untrusted,
  UNABLE_TO_GET_ISSUER_CERT: untrusted,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: untrusted,
  CERT_UNTRUSTED: untrusted,
  CERT_HAS_EXPIRED: "its certificate has expired",
  CERT_NOT_YET_VALID: "its certificate is not valid yet",
  ERR_TLS_CERT_ALTNAME_INVALID: "its certificate is for another host name",
};
