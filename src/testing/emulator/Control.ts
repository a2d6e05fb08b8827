/**
 * The emulator's control endpoint, for tests written in any language against a running
 * emulator: add or clear faults, reset the world, read or clear the request log, pause, resume
 * and count the traffic. Routes live
 * under `/_emulator/`, beside the iiko operations, and answer JSON.
 *
 * | method and path | does |
 * |---|---|
 * | `GET /_emulator` | summary: seed, organizations (id, name), revision, fault rules, requests logged |
 * | `GET /_emulator/requests` | the request log, oldest first |
 * | `DELETE /_emulator/requests` | forgets the request log |
 * | `GET /_emulator/faults` | the active fault rules (as POSTed) with their counters `matched` and `hits` |
 * | `POST /_emulator/faults` | adds a rule, `{"fault":"rateLimited","operations":["menuByIdV2"],"probability":0.3}`, or an array of them (what GET returns; counters ignored); unknown operations: 400 naming the closest |
 * | `DELETE /_emulator/faults` | removes every rule |
 * | `POST /_emulator/reset` | reseeds the world, restores the start-up faults, clears the logs and traffic counts |
 * | `GET /_emulator/traffic` | `paused`, and `changes`: what traffic changed since the counts were cleared (see `Traffic.Changes`) |
 * | `POST /_emulator/traffic/pause` | stops the scheduled traffic; answers (as GET) once no event is being applied |
 * | `POST /_emulator/traffic/resume` | lets it run again |
 * | `DELETE /_emulator/traffic/changes` | starts counting changes afresh |
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { Endpoint } from "../../Endpoint.ts"
import * as Suggest from "../../internal/suggest.ts"
import * as Catalog from "./Catalog.ts"
import type { Engine } from "./Engine.ts"
import * as Faults from "./Faults.ts"
import type * as Traffic from "./Traffic.ts"

/**
 * The fault kinds by name, as the control endpoint and `--fault` accept them.
 *
 * @since 0.1.0
 * @category models
 */
export const faultKinds = [
  "latency",
  "rateLimited",
  "serverError",
  "terminalTimeout",
  "connectionReset",
  "truncatedJson",
  "malformedJson",
  "tokenExpired"
] as const

/**
 * A fault rule as JSON: the kind, which operations (names or paths; all when omitted), a
 * probability, how many matching requests to let through first (`skip`), how many to hit
 * (`times`), and per kind: `millis` (latency, or `Retry-After` for `rateLimited`), `status`
 * (`serverError`) and `applied` (`serverError`, `terminalTimeout`: the write happens first).
 *
 * @since 0.1.0
 * @category schemas
 */
export const FaultSpec = Schema.Struct({
  fault: Schema.Literals(faultKinds),
  operations: Schema.optionalKey(Schema.Array(Schema.String)),
  probability: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  skip: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  times: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  millis: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  status: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 500, maximum: 599 }))),
  applied: Schema.optionalKey(Schema.Boolean)
})

/**
 * @since 0.1.0
 * @category models
 */
export type FaultSpec = typeof FaultSpec.Type

/**
 * Turns a {@link FaultSpec} into the rule the engine applies.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toRule = (spec: FaultSpec): Faults.FaultRule => ({
  fault: faultOf(spec),
  operations: spec.operations,
  probability: spec.probability,
  skip: spec.skip,
  times: spec.times
})

/**
 * The {@link FaultSpec} of a rule: what {@link toRule} was given (defaults filled in), so the
 * rules read from `GET /_emulator/faults` can be POSTed back.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toSpec = (rule: Faults.FaultRule): FaultSpec => {
  const { fault } = rule
  const perKind = fault._tag === "Latency"
    ? { millis: Duration.toMillis(Duration.fromInputUnsafe(fault.duration)) }
    : fault._tag === "RateLimited"
    ? { millis: Duration.toMillis(Duration.fromInputUnsafe(fault.retryAfter)) }
    : fault._tag === "ServerError"
    ? { status: fault.status, applied: fault.applied }
    : fault._tag === "TerminalTimeout"
    ? { applied: fault.applied }
    : {}
  return {
    fault: (fault._tag[0]!.toLowerCase() + fault._tag.slice(1)) as FaultSpec["fault"],
    ...(rule.operations === undefined ? {} : { operations: [...rule.operations] }),
    ...(rule.probability === undefined ? {} : { probability: rule.probability }),
    ...(rule.skip === undefined ? {} : { skip: rule.skip }),
    ...(rule.times === undefined ? {} : { times: rule.times }),
    ...perKind
  }
}

/**
 * Why some of `operations` name no operation of the emulator (names or paths of `catalog`, by
 * default every generated operation), with the closest names; `undefined` when all are known.
 *
 * @since 0.1.0
 * @category parsing
 */
export const unknownOperations = (
  operations: ReadonlyArray<string>,
  catalog: Iterable<Pick<Endpoint, "name" | "path">> = Catalog.generated()
): string | undefined => {
  const known = [...catalog]
  const names = new Set(known.flatMap((operation) => [operation.name, operation.path]))
  const unknown = operations.filter((operation) => !names.has(operation))
  if (unknown.length === 0) return undefined
  return unknown.map((operation) =>
    `unknown operation '${operation}'` + Suggest.didYouMean(operation, known.map((o) => o.name))
  ).join("; ")
}

/**
 * Why `group` is not one of iiko's restriction groups (of `catalog`, by default every generated
 * operation's), with the closest names; `undefined` when it is one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const unknownGroup = (
  group: string,
  catalog: Iterable<Pick<Endpoint, "restrictionGroup">> = Catalog.generated()
): string | undefined => {
  const groups = new Set([...catalog].flatMap((operation) => operation.restrictionGroup ?? []))
  return groups.has(group) ? undefined : `unknown restriction group '${group}'` + Suggest.didYouMean(group, groups)
}

const faultOf = (spec: FaultSpec): Faults.Fault => {
  switch (spec.fault) {
    case "latency":
      return Faults.latency(spec.millis ?? 2000)
    case "rateLimited":
      return Faults.rateLimited(spec.millis ?? 1000)
    case "serverError":
      return Faults.serverError({ status: spec.status ?? 500, applied: spec.applied ?? false })
    case "terminalTimeout":
      return Faults.terminalTimeout({ applied: spec.applied ?? false })
    case "connectionReset":
      return Faults.connectionReset
    case "truncatedJson":
      return Faults.truncatedJson
    case "malformedJson":
      return Faults.malformedJson
    case "tokenExpired":
      return Faults.tokenExpired
  }
}

/**
 * Parses the command line's short form `kind[:operation,operation…][@probability]`, e.g.
 * `rateLimited:menuByIdV2,stopLists@0.3`. Returns an error message for anything else.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseFaultSpec = (text: string): FaultSpec | string => {
  const match = /^(\w+)(?::([\w/,.-]+))?(?:@([\d.]+))?$/.exec(text.trim())
  const kind = faultKinds.find((name) => name === match?.[1])
  if (match === null || kind === undefined) {
    return `'${text}': expected kind[:operation,…][@probability] with kind one of ${faultKinds.join(", ")}`
  }
  const probability = match[3] === undefined ? undefined : Number(match[3])
  if (probability !== undefined && !(probability >= 0 && probability <= 1)) {
    return `'${text}': the probability must be between 0 and 1`
  }
  return {
    fault: kind,
    ...(match[2] === undefined ? {} : { operations: match[2].split(",") }),
    ...(probability === undefined ? {} : { probability })
  }
}

const describeRule = (active: Faults.ActiveRule) => ({ ...toSpec(active.rule), matched: active.matched, hits: active.hits })

const json = (body: unknown, status = 200) => HttpServerResponse.jsonUnsafe(body, { status })

/** One rule or an array of them (the counters of a GET are ignored). */
const decodeSpecs = Schema.decodeUnknownEffect(Schema.fromJsonString(Schema.Union([FaultSpec, Schema.Array(FaultSpec)])))

/**
 * The control routes for one engine.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  engine: Engine,
  traffic: Traffic.Control,
  catalog: Iterable<Pick<Endpoint, "name" | "path">> = Catalog.generated()
): Layer.Layer<never, never, HttpRouter.HttpRouter> => {
  const known = [...catalog]
  const trafficStatus = () => json({ paused: traffic.paused(), changes: traffic.changes() })
  return Layer.mergeAll(
    HttpRouter.add("GET", "/_emulator", () =>
      Effect.succeed(json({
        seed: engine.state.seed,
        revision: engine.state.revision,
        organizations: engine.state.organizations.map(({ id, name }) => ({ id, name })),
        faults: engine.rules.map(describeRule),
        requests: engine.log.length
      }))),
    HttpRouter.add("GET", "/_emulator/requests", () => Effect.succeed(json(engine.log))),
    HttpRouter.add("DELETE", "/_emulator/requests", () =>
      Effect.sync(() => {
        engine.log.length = 0
        return json({ cleared: true })
      })),
    HttpRouter.add("GET", "/_emulator/faults", () => Effect.succeed(json(engine.rules.map(describeRule)))),
    HttpRouter.add("POST", "/_emulator/faults", () =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const text = yield* Effect.orElseSucceed(request.text, () => "")
        return yield* decodeSpecs(text).pipe(
          Effect.map((decoded) => {
            const specs = Array.isArray(decoded) ? decoded : [decoded as FaultSpec]
            const problem = unknownOperations(specs.flatMap((spec) => spec.operations ?? []), known)
            if (problem !== undefined) return json({ error: problem }, 400)
            engine.rules.push(...Faults.activate(specs.map(toRule)))
            return json({ added: Array.isArray(decoded) ? specs : specs[0], rules: engine.rules.length }, 201)
          }),
          Effect.catch((error) => Effect.succeed(json({ error: error.message }, 400)))
        )
      })),
    HttpRouter.add("DELETE", "/_emulator/faults", () =>
      Effect.sync(() => {
        engine.rules.length = 0
        return json({ cleared: true })
      })),
    HttpRouter.add("POST", "/_emulator/reset", () =>
      Effect.as(Effect.andThen(engine.reset, Effect.sync(traffic.clear)), json({ reset: true }))),
    HttpRouter.add("GET", "/_emulator/traffic", () => Effect.sync(trafficStatus)),
    HttpRouter.add("POST", "/_emulator/traffic/pause", () => Effect.andThen(traffic.pause, Effect.sync(trafficStatus))),
    HttpRouter.add("POST", "/_emulator/traffic/resume", () => Effect.andThen(traffic.resume, Effect.sync(trafficStatus))),
    HttpRouter.add("DELETE", "/_emulator/traffic/changes", () =>
      Effect.sync(() => {
        traffic.clear()
        return json({ cleared: true })
      }))
  )
}
