/**
 * Runs the iiko Cloud emulator as a local HTTP server on 127.0.0.1 and prints its base URL, so
 * any client in any language can be pointed at it.
 *
 *   npm run emulator -- --port 8787 --seed 7 --products 5000 --fault rateLimited:menuByIdV2@0.3
 *
 * Options: --port (default 8787; 0 picks a free port), --seed, --organizations, --products,
 * --creation-delay and --token-lifetime (durations such as "2 seconds"), and repeatable
 * --fault kind[:operation,operation…][@probability] where kind is one of latency, rateLimited,
 * serverError, terminalTimeout, connectionReset, truncatedJson, malformedJson, tokenExpired.
 *
 * Restaurant life for a sync to follow: --traffic orders=60,status=120,stoplists=12,menus=1 (events
 * per organization per hour; any subset). iiko's published loyalty limits are enforced; add
 * restriction-group limits with repeatable --limit "Group name=requests/seconds", or drop every
 * limit with --no-limits.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { parseArgs } from "node:util"
import * as IikoEmulator from "../src/testing/IikoEmulator.ts"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    seed: { type: "string", default: "1" },
    organizations: { type: "string" },
    products: { type: "string" },
    "creation-delay": { type: "string" },
    "token-lifetime": { type: "string" },
    fault: { type: "string", multiple: true, default: [] },
    traffic: { type: "string" },
    limit: { type: "string", multiple: true, default: [] },
    "no-limits": { type: "boolean", default: false }
  }
})

const FAULTS: Record<string, IikoEmulator.Fault.Fault> = {
  latency: IikoEmulator.Fault.latency("2 seconds"),
  rateLimited: IikoEmulator.Fault.rateLimited(),
  serverError: IikoEmulator.Fault.serverError(),
  terminalTimeout: IikoEmulator.Fault.terminalTimeout(),
  connectionReset: IikoEmulator.Fault.connectionReset,
  truncatedJson: IikoEmulator.Fault.truncatedJson,
  malformedJson: IikoEmulator.Fault.malformedJson,
  tokenExpired: IikoEmulator.Fault.tokenExpired
}

const parseFault = (text: string): IikoEmulator.Fault.FaultRule => {
  const match = /^(\w+)(?::([\w/,]+))?(?:@([\d.]+))?$/.exec(text)
  const fault = match === null ? undefined : FAULTS[match[1]!]
  if (match === null || fault === undefined) {
    throw new Error(`--fault ${text}: expected kind[:operation,…][@probability], kind one of ${Object.keys(FAULTS).join(", ")}`)
  }
  return {
    fault,
    operations: match[2]?.split(","),
    probability: match[3] === undefined ? undefined : Number(match[3])
  }
}

const TRAFFIC_KEYS = {
  orders: "ordersPerHour",
  status: "statusChangesPerHour",
  stoplists: "stopListChangesPerHour",
  menus: "menuChangesPerHour"
} as const

const parseTraffic = (text: string): IikoEmulator.Traffic.Options =>
  Object.fromEntries(text.split(",").map((part) => {
    const [key, value] = part.split("=")
    const option = TRAFFIC_KEYS[key as keyof typeof TRAFFIC_KEYS]
    if (option === undefined || value === undefined || !Number.isFinite(Number(value))) {
      throw new Error(`--traffic ${text}: expected key=perHour,… with keys ${Object.keys(TRAFFIC_KEYS).join(", ")}`)
    }
    return [option, Number(value)]
  }))

const parseLimit = (text: string): readonly [string, IikoEmulator.Limits.Limit] => {
  const match = /^(.+)=(\d+)\/([\d.]+)$/.exec(text)
  if (match === null) throw new Error(`--limit ${text}: expected "Group name=requests/seconds"`)
  return [match[1]!, { requests: Number(match[2]), window: `${Number(match[3]) * 1000} millis` }]
}

const limits: IikoEmulator.Options["limits"] = values["no-limits"]
  ? false
  : { ...IikoEmulator.Limits.published, groups: Object.fromEntries(values.limit.map(parseLimit)) }

const integer = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number.parseInt(text, 10))

const options: Parameters<typeof IikoEmulator.layerServer>[0] = {
  port: integer(values.port),
  seed: values.seed,
  sizes: {
    ...(values.organizations === undefined ? {} : { organizations: integer(values.organizations)! }),
    ...(values.products === undefined ? {} : { products: integer(values.products)! })
  },
  creationDelay: values["creation-delay"] as IikoEmulator.Options["creationDelay"],
  tokenLifetime: values["token-lifetime"] as IikoEmulator.Options["tokenLifetime"],
  faults: values.fault.map(parseFault),
  limits,
  ...(values.traffic === undefined ? {} : { traffic: parseTraffic(values.traffic) })
}

const main = Effect.gen(function*() {
  const emulator = yield* IikoEmulator.IikoEmulator
  const state = yield* emulator.state
  console.log(`iiko Cloud emulator listening on ${emulator.baseUrl}`)
  console.log(`  ${state.organizations.length} organizations, seed ${String(state.seed)}`)
  console.log(`  try: curl -s -X POST ${emulator.baseUrl}/api/1/access_token -H 'content-type: application/json' -d '{"apiLogin":"any"}'`)
  return yield* Effect.never
}).pipe(Effect.provide(IikoEmulator.layerServer(options)))

NodeRuntime.runMain(main)
