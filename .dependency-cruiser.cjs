/**
 * The folder rules of src/ (see docs/architecture.md), checked by `npm run lint`:
 * the core knows no transport and no driver, adapters know only the core, the
 * transport knows no adapter, the published client stands apart from the
 * server, and the CLI reaches adapters and transport only through src/app,
 * the composition root.
 */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "Modules that import each other cannot be read, or loaded, one before the other.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-imports-only-core",
      severity: "error",
      comment: "The core is the domain: no transport, driver, configuration or generated code.",
      from: { path: "^src/core/" },
      to: { path: "^(src/(?!core/)|gen/)" },
    },
    {
      name: "adapters-import-only-core",
      severity: "error",
      comment: "An adapter implements a port of the core; it is wired by src/app. src/package-root.ts locates the files shipped beside the code.",
      from: { path: "^src/adapters/([^/]+)/" },
      to: { path: "^src/(?!core/|adapters/|package-root\\.ts$)" },
    },
    {
      name: "transport-imports-no-adapter",
      severity: "error",
      comment: "The transport serves the core's services; which adapters back them is src/app's business.",
      from: { path: "^src/transport/" },
      to: { path: "^src/(adapters|app|cli|worker|config)/" },
    },
    {
      name: "transport-parts-do-not-import-their-assembly",
      severity: "error",
      comment: "src/transport/server assembles the protocols; they share src/transport/http, not the server.",
      from: { path: "^src/transport/(?!server/)" },
      to: { path: "^src/transport/server/" },
    },
    {
      name: "client-imports-no-server",
      severity: "error",
      comment: "src/client is published on its own: it may not pull the server in.",
      from: { path: "^src/client/" },
      to: { path: "^src/(?!client/)" },
    },
    {
      name: "cli-reaches-runtime-through-app",
      severity: "error",
      comment: "The CLI parses and prints; src/app builds every runtime (serve, dev, worker, seed, simulate).",
      from: { path: "^src/cli/" },
      to: { path: "^src/(adapters|transport)/" },
    },
    {
      name: "worker-imports-only-core",
      severity: "error",
      from: { path: "^src/worker/" },
      to: { path: "^src/(?!core/|worker/)" },
    },
    {
      name: "config-imports-only-config",
      severity: "error",
      comment: "The configuration stands alone but for the one error type, whose invalid_configuration it throws.",
      from: { path: "^src/config/" },
      to: { path: "^src/(?!config/|core/errors\\.ts$)" },
    },
    {
      name: "nothing-imports-cli",
      severity: "error",
      comment: "The CLI is the outermost layer.",
      from: { path: "^src/(?!cli/)" },
      to: { path: "^src/cli/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
