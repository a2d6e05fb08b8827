/**
 * `effect-iiko webhooks serve`: the webhook receiver of `IikoWebhooks` as a standalone server,
 * printing each accepted event as one JSON line on stdout until interrupted. The token comes
 * only from `IIKO_WEBHOOKS_TOKEN`; `--port`, `--host` and `--path` override `IIKO_WEBHOOKS_*`.
 *
 * `effect-iiko webhooks register --url …`: registers that receiver with iiko for every
 * organization (or those given) through `IikoWebhooks.register`, which reads the settings back to
 * confirm them; the same token from `IIKO_WEBHOOKS_TOKEN`.
 *
 * @since 0.1.0
 */
import { Config, Console, Effect, Option, Result, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { HttpServer } from "effect/http"
import * as Iiko from "../Iiko.ts"
import * as IikoWebhooks from "../IikoWebhooks.ts"
import * as CliFailure from "./CliFailure.ts"
import * as Target from "./Target.ts"

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
 * The events `--events` accepts, and the filter each stands for.
 *
 * @since 0.1.0
 * @category registration
 */
export const events: Readonly<Record<string, IikoWebhooks.Filter>> = {
  deliveries: IikoWebhooks.deliveryOrders(),
  tables: IikoWebhooks.tableOrders(),
  reserves: IikoWebhooks.reserves(),
  stoplists: IikoWebhooks.stopLists,
  shifts: IikoWebhooks.personalShifts,
  nomenclature: IikoWebhooks.nomenclature,
  businesshours: IikoWebhooks.businessHoursAndMapping
}

/**
 * Parses `--events deliveries,stoplists` into one filter; a usage error names the known events.
 *
 * @since 0.1.0
 * @category registration
 */
export const parseEvents = (text: string): Effect.Effect<IikoWebhooks.Filter, CliFailure.CliFailure> => {
  const names = text.split(",").map((name) => name.trim().toLowerCase()).filter((name) => name !== "")
  const unknown = names.filter((name) => events[name] === undefined)
  return unknown.length > 0 || names.length === 0
    ? Effect.fail(CliFailure.usage(`--events ${text}: expected a comma-separated list of ${Object.keys(events).join(", ")}`))
    : Effect.succeed(IikoWebhooks.filter(...names.map((name) => events[name]!)))
}

const register = Command.make(
  "register",
  {
    url: Flag.String("url").pipe(Flag.withDescription("The receiver's public URL, path included (where `webhooks serve` listens behind your proxy)")),
    organization: Flag.String("organization").pipe(
      Flag.withDescription("Organization id or name; repeatable (default: every organization the credentials reach)"),
      Flag.atLeast(0)
    ),
    events: Flag.String("events").pipe(
      Flag.withDescription(`Events to send, comma-separated: ${Object.keys(events).join(", ")} (default: iiko's own default)`),
      Flag.optional
    )
  },
  (flags) =>
    Effect.gen(function*() {
      const authToken = yield* Config.Redacted("IIKO_WEBHOOKS_TOKEN").pipe(
        Effect.mapError(() => CliFailure.usage(`IIKO_WEBHOOKS_TOKEN is not set: ${MISSING_TOKEN_REMEDY}`))
      )
      const url = URL.canParse(flags.url) ? new URL(flags.url) : undefined
      if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
        return yield* CliFailure.usage(`--url ${flags.url}: expected an absolute http(s) URL such as https://hooks.example.com/iiko/webhooks`)
      }
      const filter = Option.isNone(flags.events) ? undefined : yield* parseEvents(flags.events.value)
      const { organizations } = yield* Iiko.organizations({ returnAdditionalInfo: false })
      const wanted = flags.organization.map((name) => name.toLowerCase())
      const chosen = wanted.length === 0
        ? organizations
        : organizations.filter((o) => wanted.includes(o.id.toLowerCase()) || wanted.includes(o.name?.toLowerCase() ?? ""))
      const missing = flags.organization.filter((name) =>
        !chosen.some((o) => o.id.toLowerCase() === name.toLowerCase() || o.name?.toLowerCase() === name.toLowerCase())
      )
      if (missing.length > 0 || chosen.length === 0) {
        const reachable = organizations.map((o) => `${o.name ?? "?"} (${o.id})`).join(", ") || "none"
        return yield* CliFailure.usage(`no organization ${missing.map((name) => `'${name}'`).join(", ")}; reachable: ${reachable}`)
      }
      const results = yield* Effect.forEach(chosen, (organization) =>
        Effect.result(IikoWebhooks.register({ organizationId: organization.id, url: flags.url, authToken, filter }))
          .pipe(Effect.tap((result) =>
            Console.log(
              Result.isSuccess(result)
                ? `${organization.name ?? organization.id}: registered ${result.success.url} (confirmed by reading the settings back)`
                : `${organization.name ?? organization.id}: FAILED ${result.failure.message}`
            )
          )), { concurrency: 4 })
      const failed = results.filter(Result.isFailure).length
      if (failed > 0) return yield* CliFailure.failed(`${failed} of ${results.length} registrations failed`)
    })
).pipe(
  Command.withDescription(
    "Register a webhook receiver with iiko for every organization (or --organization), confirmed by reading the settings back; token from IIKO_WEBHOOKS_TOKEN"
  )
)

/**
 * The `webhooks` command and its `serve` and `register` subcommands.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("webhooks").pipe(
  Command.withDescription("iiko webhook commands"),
  Command.withSubcommands([serve, Command.provide(register, () => Target.layer)])
)
