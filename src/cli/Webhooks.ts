/**
 * `effect-iiko webhooks serve`: the webhook receiver of `IikoWebhooks` as a standalone server,
 * printing each accepted event as one JSON line on stdout until interrupted. The token comes
 * only from `IIKO_WEBHOOKS_TOKEN`; `--port`, `--host` and `--path` override `IIKO_WEBHOOKS_*`.
 *
 * @since 0.1.0
 */
import { Console, Effect, Option, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { HttpServer } from "effect/http"
import * as IikoWebhooks from "../IikoWebhooks.ts"
import * as CliFailure from "./CliFailure.ts"

const field = (value: unknown, key: string): unknown =>
  value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined

const text = (value: unknown): string | undefined => typeof value === "string" ? value : undefined

/**
 * The line printed for one event: its type, organization, correlation id, and the entity's id
 * and status where the event carries them (an order's status is under `order.status`).
 *
 * @since 0.1.0
 * @category formatting
 */
export const eventLine = (event: IikoWebhooks.Event): string => {
  const info = field(event, "eventInfo")
  const line = {
    eventType: event.eventType,
    eventTime: text(field(event, "eventTime")),
    organizationId: text(field(event, "organizationId")),
    correlationId: text(field(event, "correlationId")),
    id: text(field(info, "id")),
    status: text(field(field(info, "order"), "status")) ?? text(field(info, "status")) ??
      text(field(info, "creationStatus"))
  }
  return JSON.stringify(line)
}

const MISSING_TOKEN_REMEDY = "set IIKO_WEBHOOKS_TOKEN to the token you registered with iiko " +
  "(IikoWebhooks.register's authToken); it is never read from the command line"

/**
 * The server's settings: `IikoWebhooks.serverConfig` with the flags given on the command line
 * taking precedence. A missing token or a bad variable is a usage error naming the remedy.
 *
 * @since 0.1.0
 * @category config
 */
export const serverOptions = (flags: {
  readonly port: Option.Option<number>
  readonly host: Option.Option<string>
  readonly path: Option.Option<string>
}) =>
  Effect.gen(function*() {
    return yield* IikoWebhooks.serverConfig
  }).pipe(
    Effect.map((options): IikoWebhooks.ServerOptions => ({
      ...options,
      port: Option.getOrElse(flags.port, () => options.port),
      host: Option.getOrElse(flags.host, () => options.host),
      path: Option.getOrElse(flags.path, () => options.path) as IikoWebhooks.ServerOptions["path"]
    })),
    Effect.catchTag("ConfigError", (error) =>
      Effect.fail(CliFailure.usage(
        error.message.includes("IIKO_WEBHOOKS_TOKEN")
          ? `IIKO_WEBHOOKS_TOKEN is not set: ${MISSING_TOKEN_REMEDY}`
          : `${error.message} (IIKO_WEBHOOKS_PORT, IIKO_WEBHOOKS_HOST, IIKO_WEBHOOKS_PATH)`
      )))
  )

const summaryOf = (stats: IikoWebhooks.Stats) =>
  `stopped: ${stats.requests} requests, ${stats.accepted} events accepted, ${stats.duplicates} duplicates, ` +
  `${stats.unauthorized} unauthorized, ${stats.malformed} malformed, ${stats.tooLarge} too large, ${stats.queueFull} refused (queue full)`

const serve = Command.make(
  "serve",
  {
    port: Flag.Int("port").pipe(
      Flag.withDescription("Port to listen on (default IIKO_WEBHOOKS_PORT, else 8080; 0 picks a free one)"),
      Flag.optional
    ),
    host: Flag.String("host").pipe(
      Flag.withDescription("Interface to listen on (default IIKO_WEBHOOKS_HOST, else 127.0.0.1)"),
      Flag.optional
    ),
    path: Flag.String("path").pipe(
      Flag.withDescription(`Path iiko posts to (default IIKO_WEBHOOKS_PATH, else ${IikoWebhooks.defaults.path})`),
      Flag.optional
    )
  },
  (flags) =>
    Effect.gen(function*() {
      const options = yield* serverOptions(flags)
      yield* Effect.gen(function*() {
        const server = yield* HttpServer.HttpServer
        const webhooks = yield* IikoWebhooks.IikoWebhooks
        yield* Console.error(`iiko webhook receiver listening on ${HttpServer.formatAddress(server.address)}${webhooks.path}`)
        yield* Console.error("  one JSON line per event on stdout; Ctrl-C stops")
        yield* webhooks.events.pipe(
          Stream.runForEach((event) => Console.log(eventLine(event))),
          Effect.onInterrupt(() => Effect.flatMap(webhooks.stats, (stats) => Console.error(summaryOf(stats))))
        )
      }).pipe(
        Effect.provide(IikoWebhooks.layerServer(options)),
        Effect.catchTag("ServeError", (error) =>
          Effect.fail(CliFailure.failed(`cannot listen on ${options.host}:${options.port}: ${error.message}`)))
      )
    })
).pipe(
  Command.withDescription(
    "Receive iiko webhooks on a standalone server (token from IIKO_WEBHOOKS_TOKEN) and print each event as a JSON line"
  )
)

/**
 * The `webhooks` command and its `serve` subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("webhooks").pipe(
  Command.withDescription("iiko webhook commands"),
  Command.withSubcommands([serve])
)
