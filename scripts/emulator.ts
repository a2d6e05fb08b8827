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
    fault: { type: "string", multiple: true, default: [] }
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
  faults: values.fault.map(parseFault)
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
