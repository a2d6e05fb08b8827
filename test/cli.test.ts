/**
 * The `effect-iiko` command line, run in process: exit codes, output shapes, `--help` on every
 * command, credentials only from IIKO_* variables, and the emulator's control endpoint.
 */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, inject, it } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, Layer, Schedule, Sink, Stdio, Stream } from "effect"
import { FetchHttpClient, HttpBody, HttpClient } from "effect/http"
import { TestClock, TestConsole } from "effect/testing"
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Call from "../src/cli/Call.ts"
import * as Cli from "../src/cli/Cli.ts"
import * as Sync from "../src/cli/Sync.ts"
import * as Domain from "../src/testing/emulator/Domain.ts"
import { IikoEmulator } from "../src/testing/index.ts"

interface Run {
  readonly code: number
  readonly out: string
  readonly err: string
}

/** Runs the command line with the given environment and standard input, capturing the console. */
const cli = (
  args: ReadonlyArray<string>,
  options: { env?: Record<string, string>; stdin?: string; terminal?: Array<string> } = {}
) =>
  Effect.gen(function*() {
    // The console layer may be shared between runs in one test: keep only this run's lines.
    const before = { out: (yield* TestConsole.logLines).length, err: (yield* TestConsole.errorLines).length }
    const code = yield* Cli.main(args)
    const out = (yield* TestConsole.logLines).slice(before.out).join("\n")
    const err = (yield* TestConsole.errorLines).slice(before.err).join("\n")
    return { code, out, err } satisfies Run
  }).pipe(
    Effect.provide(Layer.mergeAll(
      TestConsole.layer,
      Stdio.layerTest({
        stdin: options.stdin === undefined ? Stream.empty : Stream.make(new TextEncoder().encode(options.stdin)),
        ...(options.terminal === undefined ? {} : {
          stdoutIsTerminal: Effect.succeed(true),
          stdout: () => Sink.forEach((chunk: string | Uint8Array) => Effect.sync(() => void options.terminal!.push(String(chunk))))
        })
      })
    )),
    Effect.provide(NodeServices.layer),
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown(options.env ?? {}))
  )

/** An emulator on a real socket, for runs that use IIKO_* credentials and `fetch`. */
const server = (options: IikoEmulator.Options = {}) => IikoEmulator.layerServer({ seed: 3, ...options })

describe("effect-iiko --help", () => {
  const commands = [
    [[], ["check", "call", "menu", "emulator", "sync"]],
    [["check"], ["--json"]],
    [["call"], ["--raw", "operation", "json"]],
    [["menu"], ["export"]],
    [["menu", "export"], ["--organization", "--format"]],
    [["emulator"], ["--port", "--seed", "--organizations", "--products", "--fault", "--traffic", "--limit", "--no-limits"]]
  ] as const
  for (const [path, mentions] of commands) {
    it.effect(`${["effect-iiko", ...path].join(" ")} --help exits 0 and documents ${mentions.join(", ")}`, () =>
      Effect.gen(function*() {
        const { code, out } = yield* cli([...path, "--help"])
        assert.strictEqual(code, 0)
        assert.include(out, "USAGE")
        for (const mention of mentions) assert.include(out, mention)
      }))
  }

  it.effect("an unknown command or flag exits 2", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* cli(["frobnicate"])).code, 2)
      assert.strictEqual((yield* cli(["check", "--no-such-flag"])).code, 2)
    }))
})

describe("effect-iiko check", () => {
  it.effect("without credentials it checks the embedded emulator and passes", () =>
    Effect.gen(function*() {
      const { code, out } = yield* cli(["check"])
      assert.strictEqual(code, 0)
      assert.include(out, "target: the embedded emulator")
      assert.match(out, /OK: 2 organization\(s\), 4 terminal group\(s\), \d alive/)
    }))

  it.effect("--json prints the report with organizations, terminal groups and is_alive", () =>
    Effect.gen(function*() {
      const { code, out } = yield* cli(["check", "--json"])
      assert.strictEqual(code, 0)
      const report = JSON.parse(out)
      assert.strictEqual(report.ok, true)
      assert.strictEqual(report.organizations.length, 2)
      assert.strictEqual(report.organizations[0].terminalGroups.length, 2)
      assert.isBoolean(report.organizations[0].terminalGroups[0].isAlive)
    }))

  it.live("wrong credentials from IIKO_* exit 1 with a remedy and never print the secret", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const { code, out } = yield* cli(["check"], {
        env: { IIKO_API_LOGIN: "wrong-SECRET-login", IIKO_BASE_URL: emulator.baseUrl }
      })
      assert.strictEqual(code, 1)
      assert.include(out, `target: a local iiko API at ${emulator.baseUrl} (loopback, not iiko Cloud)`)
      assert.include(out, "FAILED: wrong credentials")
      assert.include(out, "remedy: Check IIKO_APP_ID")
      assert.notInclude(out, "wrong-SECRET-login")
    }).pipe(Effect.provide(server({ credentials: { apiLogins: ["right-login"] } }))))

  it.live("credentials that reach no organization exit 1 with that verdict", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const { code, out } = yield* cli(["check"], { env: { IIKO_API_LOGIN: "any", IIKO_BASE_URL: emulator.baseUrl } })
      assert.strictEqual(code, 1)
      assert.include(out, "FAILED: the credentials reach no organization")
    }).pipe(Effect.provide(server({ sizes: { organizations: 0 } }))))
})

describe("effect-iiko --version", () => {
  it.effect("prints the version in package.json", () =>
    Effect.gen(function*() {
      const { version } = JSON.parse(readFileSync("package.json", "utf8"))
      const { code, out } = yield* cli(["--version"])
      assert.strictEqual(code, 0)
      assert.include(out, `v${version}`)
    }))
})

describe("effect-iiko with IIKO_BASE_URL but no credentials", () => {
  it.effect("exits 2 before calling anything and says what to set", () =>
    Effect.gen(function*() {
      for (const command of [["check"], ["call", "organizations"], ["menu", "export"]]) {
        const { code, err, out } = yield* cli(command, { env: { IIKO_BASE_URL: "http://127.0.0.1:9" } })
        assert.strictEqual(code, 2, command.join(" "))
        assert.include(err, "IIKO_BASE_URL is set (http://127.0.0.1:9) but no IIKO_* credentials are")
        assert.include(err, "or unset IIKO_BASE_URL to use the embedded emulator")
        assert.notInclude(out, "emulator")
      }
    }))
})

describe("effect-iiko with incomplete IIKO_* credentials", () => {
  it.effect("exits 2, names the missing variables and the remedy, and prints no secret", () =>
    Effect.gen(function*() {
      const { code, out, err } = yield* cli(["check"], { env: { IIKO_APP_ID: "app", IIKO_CLIENT_SECRET: "client-SECRET" } })
      assert.strictEqual(code, 2)
      assert.include(err, "Incomplete iiko v2 credentials: also set IIKO_API_KEY")
      assert.include(err, "remedy: set the missing IIKO_* variables")
      assert.notInclude(out + err, "SECRET")
    }))
})

describe("effect-iiko call", () => {
  it.effect("prints the decoded answer as JSON", () =>
    Effect.gen(function*() {
      const { code, out } = yield* cli(["call", "organizations", "{\"returnAdditionalInfo\":false}"])
      assert.strictEqual(code, 0)
      const json = JSON.parse(out)
      assert.strictEqual(json.organizations.length, 2)
      assert.isString(json.correlationId)
    }))

  it.effect("reads the body from standard input with -, and --raw prints the undecoded body", () =>
    Effect.gen(function*() {
      const organizations = JSON.parse((yield* cli(["call", "organizations"])).out).organizations
      const body = JSON.stringify({ organizationIds: [organizations[0].id] })
      const { code, out } = yield* cli(["call", "terminalGroups", "-", "--raw"], { stdin: body })
      assert.strictEqual(code, 0)
      const json = JSON.parse(out)
      assert.strictEqual(json.terminalGroups.length, 1)
      assert.strictEqual(json.terminalGroups[0].organizationId, organizations[0].id)
    }))

  it.effect("an unknown operation exits 2 and suggests the closest names", () =>
    Effect.gen(function*() {
      const { code, err } = yield* cli(["call", "deliveries_by_revison"])
      assert.strictEqual(code, 2)
      assert.include(err, "unknown operation 'deliveries_by_revison'; did you mean deliveriesByRevision")
      assert.include(err, "effect-iiko call --list shows them all")
    }))

  it.effect("--list prints every operation with its method and path; no operation at all exits 2 pointing to it", () =>
    Effect.gen(function*() {
      const { code, out } = yield* cli(["call", "--list"])
      assert.strictEqual(code, 0)
      const lines = out.split("\n")
      assert.strictEqual(lines.length, Call.endpoints.size)
      assert.include(lines, "deliveriesByRevision\tPOST /api/1/deliveries/by_revision")
      const bare = yield* cli(["call"])
      assert.strictEqual(bare.code, 2)
      assert.include(bare.err, "call --list")
    }))

  it("suggestions rank names containing the input, then edit distance", () => {
    assert.deepStrictEqual(Call.suggest("organisations", Call.endpoints.keys()).slice(0, 1), ["organizations"])
    assert.include(Call.suggest("stoplist", Call.endpoints.keys()), "stopLists")
    assert.deepStrictEqual(Call.suggest("zzzzzzzzzzzzzzzzzzzzzzzzzzzzz", Call.endpoints.keys()), [])
  })

  it.live("a body that fails the schema exits 2 and nothing is sent", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const env = { IIKO_API_LOGIN: "any", IIKO_BASE_URL: emulator.baseUrl }
      const invalid = yield* cli(["call", "terminalGroups", "{\"organizationIds\": 5}"], { env })
      assert.strictEqual(invalid.code, 2)
      assert.include(invalid.err, "does not match terminalGroups's request schema")
      const notJson = yield* cli(["call", "terminalGroups", "{organizationIds"], { env })
      assert.strictEqual(notJson.code, 2)
      assert.include(notJson.err, "the body is not JSON")
      const operations = (yield* emulator.requests).map((entry) => entry.operation)
      assert.notInclude(operations, "terminalGroups")
    }).pipe(Effect.provide(server())))

  it.live("an iiko error exits 1 and names the operation", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      yield* emulator.injectFault({ fault: IikoEmulator.Fault.serverError(), operations: ["organizations"] })
      // IIKO_MAX_RETRIES=0: the failure is final at once, without the retries' real-time backoff.
      const { code, err } = yield* cli(["call", "organizations"], {
        env: { IIKO_API_LOGIN: "any", IIKO_BASE_URL: emulator.baseUrl, IIKO_MAX_RETRIES: "0" }
      })
      assert.strictEqual(code, 1)
      assert.include(err, "organizations: ServerError")
      assert.deepStrictEqual((yield* emulator.requests).map((entry) => [entry.operation, entry.status]), [
        ["accessToken", 200],
        ["organizations", 500]
      ])
    }).pipe(Effect.provide(server())))
})

describe("effect-iiko sync", () => {
  it("the summary counts passes and rows in plain English", () => {
    const written = { organizations: 2, terminalGroups: 0, productGroups: 0, products: 0, stopListItems: 0, deliveries: 1 }
    const summary = { passes: 6, organizations: 2, written, menusDownloaded: 1, failures: [], durationMillis: 10_300 }
    assert.strictEqual(
      Sync.summaryLines(summary, 3)[0],
      "summary: 6 passes, 2 organizations, 3 rows written (2 organizations, 0 terminal groups, 0 product groups, " +
        "0 products, 0 stop-list items, 1 deliveries), 1 menu downloaded, 10.3 s"
    )
  })

  /** A copy of the initialized PGlite folder (see test/database.setup.ts). */
  const dataDir = Effect.acquireRelease(
    Effect.sync(() => {
      const dir = mkdtempSync(join(tmpdir(), "effect-iiko-cli-"))
      cpSync(inject("pgliteTemplate"), dir, { recursive: true })
      return dir
    }),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

  it.live("--once without credentials syncs the embedded emulator into embedded PGlite", () =>
    Effect.gen(function*() {
      const dir = yield* dataDir
      const { code, err, out } = yield* cli(["sync", "--once", "--data-dir", dir])
      assert.strictEqual(code, 0, err)
      assert.include(out, `syncing the embedded emulator (no IIKO_* credentials set) into embedded PGlite in ${dir}`)
      assert.match(out, /Pizzeria .*: menu revision \d+ \(40 products written\)/)
      assert.match(out, /summary: 1 pass, 2 organizations, \d+ rows written .*, 2 menus downloaded/)
    }).pipe(Effect.scoped), 120_000)

  it.live("a rerun against the same iiko writes nothing and downloads no menu", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const env = { IIKO_API_LOGIN: "any", IIKO_BASE_URL: emulator.baseUrl }
      const dir = yield* dataDir
      const first = yield* cli(["sync", "--once", "--data-dir", dir], { env })
      assert.strictEqual(first.code, 0, first.err)
      const second = yield* cli(["sync", "--once", "--data-dir", dir], { env })
      assert.strictEqual(second.code, 0, second.err)
      assert.match(second.out, /summary: 1 pass, 2 organizations, 0 rows written .*, 0 menus downloaded/)
    }).pipe(Effect.scoped, Effect.provide(server())), 120_000)

  it.live("on a terminal it redraws one status line: organizations done, delivery changes, lag", () =>
    Effect.gen(function*() {
      const dir = yield* dataDir
      const terminal: Array<string> = []
      const { code, err, out } = yield* cli(["sync", "--once", "--data-dir", dir], { terminal })
      assert.strictEqual(code, 0, err)
      assert.notInclude(out, "Pizzeria") // no per-organization lines on a terminal
      assert.include(out, "summary: 1 pass, 2 organizations")
      assert.isTrue(terminal.every((chunk) => chunk.startsWith("\r\x1b[2K")))
      assert.match(terminal.at(-1)!, /pass 1: 2\/2 organizations, \d+ delivery changes, 0 failed, lag \d+\.\d s\n$/)
    }).pipe(Effect.scoped), 120_000)

  it.live("DATABASE_URL points it at a PostgreSQL server, never printing the password", () =>
    Effect.gen(function*() {
      const url = new URL(inject("postgresUrl"))
      url.password = "pw-SECRET"
      const { code, err, out } = yield* cli(["sync", "--once"], { env: { DATABASE_URL: url.toString() } })
      assert.strictEqual(code, 0, err)
      assert.include(out, `into PostgreSQL at 127.0.0.1:${url.port}/postgres`)
      assert.notInclude(out + err, "pw-SECRET")
    }), 120_000)

  it.effect("a bad --interval exits 2", () =>
    Effect.gen(function*() {
      const { code, err } = yield* cli(["sync", "--interval", "often"])
      assert.strictEqual(code, 2)
      assert.include(err, "--interval often")
    }))
})

describe("effect-iiko menu export", () => {
  it.effect("--format csv prints a header and one row per product size", () =>
    Effect.gen(function*() {
      const organizations = JSON.parse((yield* cli(["call", "organizations"])).out).organizations
      const { code, out } = yield* cli(["menu", "export", "--organization", organizations[1].name, "--format", "csv"])
      assert.strictEqual(code, 0)
      const lines = out.split("\n")
      assert.strictEqual(lines[0], "productId,code,name,type,groupId,sizeId,price,isIncludedInMenu,isDeleted")
      const json = JSON.parse((yield* cli(["menu", "export", "--organization", organizations[1].id])).out)
      const rows = json.products.reduce(
        (sum: number, product: { sizePrices?: Array<unknown> }) => sum + Math.max(1, product.sizePrices?.length ?? 0),
        0
      )
      assert.isAbove(json.products.length, 0)
      assert.strictEqual(lines.length - 1, rows)
    }))

  it.effect("without --organization it exports the first organization and names it and the others on stderr", () =>
    Effect.gen(function*() {
      const organizations = JSON.parse((yield* cli(["call", "organizations"])).out).organizations
      assert.lengthOf(organizations, 2)
      const { code, err, out } = yield* cli(["menu", "export"])
      assert.strictEqual(code, 0)
      assert.deepStrictEqual(JSON.parse(out), JSON.parse((yield* cli(["menu", "export", "--organization", organizations[0].id])).out))
      assert.include(err, `exporting ${organizations[0].name} (${organizations[0].id}), the first of 2 organizations`)
      assert.include(err, organizations[1].id)
    }))

  it.effect("an unknown organization or format exits 2", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* cli(["menu", "export", "--organization", "nowhere"])).code, 2)
      assert.strictEqual((yield* cli(["menu", "export", "--format", "xml"])).code, 2)
    }))
})

describe("effect-iiko emulator and its control endpoint", () => {
  it.live("serves on 127.0.0.1 with faults from --fault, controllable over HTTP", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(
        cli(["emulator", "--port", "0", "--organizations", "3", "--fault", "rateLimited:stopLists@0.5"])
      )
      const baseUrl = yield* TestConsole.logLines.pipe(
        Effect.map((lines) => lines.join("\n").match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1]),
        Effect.flatMap((url) => url === undefined ? Effect.fail("not yet") : Effect.succeed(url)),
        Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 200 })
      )
      const http = yield* HttpClient.HttpClient
      const summary = yield* http.get(`${baseUrl}/_emulator`).pipe(Effect.flatMap((response) => response.json))
      assert.strictEqual((summary as { organizations: Array<unknown> }).organizations.length, 3)
      assert.deepInclude((summary as { faults: Array<unknown> }).faults, {
        fault: "rateLimited",
        operations: ["stopLists"],
        probability: 0.5,
        millis: 1000,
        matched: 0,
        hits: 0
      })
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(TestConsole.layer), Effect.provide(FetchHttpClient.layer)))

  const control = (method: "GET" | "POST" | "DELETE", path: string, body?: unknown) =>
    Effect.gen(function*() {
      const http = yield* HttpClient.HttpClient
      const request = method === "GET"
        ? http.get(`http://iiko.emulator${path}`)
        : method === "DELETE"
        ? http.del(`http://iiko.emulator${path}`)
        : http.post(`http://iiko.emulator${path}`, { body: HttpBody.jsonUnsafe(body ?? {}) })
      const response = yield* request
      return { status: response.status, json: (yield* response.json) as any }
    })

  it.effect("adds and clears faults, reads and clears the request log, resets the world", () =>
    Effect.gen(function*() {
      const added = yield* control("POST", "/_emulator/faults", { fault: "serverError", operations: ["organizations"], times: 1 })
      assert.strictEqual(added.status, 201)
      const rejected = yield* control("POST", "/_emulator/faults", { fault: "meteorStrike" })
      assert.strictEqual(rejected.status, 400)
      assert.include(rejected.json.error, "fault")
      const misspelt = yield* control("POST", "/_emulator/faults", { fault: "serverError", operations: ["stopList"] })
      assert.strictEqual(misspelt.status, 400)
      assert.include(misspelt.json.error, "unknown operation 'stopList'; did you mean stopLists")
      assert.lengthOf((yield* control("GET", "/_emulator/faults")).json, 1)

      const login = yield* control("POST", "/api/1/access_token", { apiLogin: "any" })
      const http = yield* HttpClient.HttpClient
      const organizations = yield* http.post("http://iiko.emulator/api/1/organizations", {
        headers: { authorization: `Bearer ${login.json.token}` },
        body: HttpBody.jsonUnsafe({})
      })
      assert.strictEqual(organizations.status, 500)

      const log = yield* control("GET", "/_emulator/requests")
      assert.deepStrictEqual(log.json.map((entry: { operation: string; status: number }) => [entry.operation, entry.status]), [
        ["accessToken", 200],
        ["organizations", 500]
      ])
      const faults = yield* control("GET", "/_emulator/faults")
      assert.strictEqual(faults.json[0].hits, 1)

      assert.strictEqual((yield* control("DELETE", "/_emulator/faults")).status, 200)
      assert.deepStrictEqual((yield* control("GET", "/_emulator/faults")).json, [])
      yield* control("DELETE", "/_emulator/requests")
      assert.deepStrictEqual((yield* control("GET", "/_emulator/requests")).json, [])

      yield* control("POST", "/_emulator/faults", { fault: "latency", millis: 10 })
      assert.strictEqual((yield* control("POST", "/_emulator/reset")).status, 200)
      const summary = yield* control("GET", "/_emulator")
      assert.deepStrictEqual(summary.json.faults, [])
      assert.strictEqual(summary.json.organizations.length, 2)
    }).pipe(Effect.provide(IikoEmulator.layer({ seed: 5 }))))

  it.effect("GET /_emulator/faults can be POSTed back as it is: the same rules", () =>
    Effect.gen(function*() {
      const rules = [
        { fault: "serverError", operations: ["organizations", "/api/1/stop_lists"], times: 2, status: 503, applied: true },
        { fault: "latency", probability: 0.25, skip: 1, millis: 30 },
        { fault: "rateLimited", millis: 2000 },
        { fault: "terminalTimeout", applied: false },
        { fault: "tokenExpired" }
      ]
      for (const rule of rules) assert.strictEqual((yield* control("POST", "/_emulator/faults", rule)).status, 201)
      const read = (yield* control("GET", "/_emulator/faults")).json
      assert.deepStrictEqual(read.map(({ hits: _h, matched: _m, ...rule }: any) => rule), rules)
      yield* control("DELETE", "/_emulator/faults")
      const posted = yield* control("POST", "/_emulator/faults", read)
      assert.strictEqual(posted.status, 201)
      assert.deepStrictEqual((yield* control("GET", "/_emulator/faults")).json, read)
    }).pipe(Effect.provide(IikoEmulator.layer({ seed: 5 }))))

  it.effect("pauses and resumes traffic and counts exactly the records it changed", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const state = yield* emulator.state
      /** Every order's revision, stop-list balance and menu revision, to diff against later. */
      const snapshot = () => ({
        revision: state.revision,
        deliveries: new Map([...state.deliveries.values()].map((d) => [d.id, d.revision])),
        stopLists: new Map([...state.stopLists].flatMap(([terminal, entries]) =>
          [...entries].map(([key, entry]) => [`${terminal}/${key}`, entry.balance] as const)
        )),
        menus: new Map(state.organizations.map((o) => [o.id, Domain.nomenclatureOf(state, o.id).revision]))
      })
      const changed = <K, V>(before: Map<K, V>, after: Map<K, V>) =>
        new Set([...before.keys(), ...after.keys()]).size -
        [...before].filter(([key, value]) => after.has(key) && after.get(key) === value).length
      const zero = { NewDelivery: 0, DeliveryStatus: 0, StopListChange: 0, MenuChange: 0 }

      assert.deepStrictEqual((yield* control("GET", "/_emulator/traffic")).json, {
        paused: false,
        changes: { events: zero, deliveries: 0, stopListItems: 0, menus: 0 }
      })
      const before = snapshot()
      yield* TestClock.adjust("5 minutes")
      const paused = yield* control("POST", "/_emulator/traffic/pause")
      assert.isTrue(paused.json.paused)
      yield* TestClock.adjust("5 seconds") // orders created just before settle (creation delay 2 s)
      const after = snapshot()
      const { changes } = (yield* control("GET", "/_emulator/traffic")).json
      assert.isAbove(changes.events.NewDelivery, 0)
      assert.isAbove(changes.events.StopListChange, 0)
      assert.strictEqual(changes.deliveries, changed(before.deliveries, after.deliveries))
      assert.strictEqual(changes.stopListItems, changed(before.stopLists, after.stopLists))
      assert.isAbove(changes.stopListItems, 0)
      assert.strictEqual(changes.menus, changed(before.menus, after.menus))
      assert.deepStrictEqual(paused.json.changes.events, changes.events)

      // Paused: nothing changes, however long.
      yield* TestClock.adjust("30 minutes")
      assert.strictEqual(state.revision, after.revision)
      assert.deepStrictEqual((yield* control("GET", "/_emulator/traffic")).json, { paused: true, changes })

      assert.strictEqual((yield* control("DELETE", "/_emulator/traffic/changes")).status, 200)
      assert.deepStrictEqual((yield* control("GET", "/_emulator/traffic")).json.changes.events, zero)
      assert.isFalse((yield* control("POST", "/_emulator/traffic/resume")).json.paused)
      yield* TestClock.adjust("1 minute")
      assert.isAbove(state.revision, after.revision)
      assert.isAbove((yield* control("GET", "/_emulator/traffic")).json.changes.deliveries, 0)
    }).pipe(Effect.provide(IikoEmulator.layer({
      seed: 5,
      traffic: { ordersPerHour: 600, statusChangesPerHour: 600, stopListChangesPerHour: 600, menuChangesPerHour: 60 }
    }))))

  it("parses the --fault short form and rejects anything else", () => {
    assert.deepStrictEqual(IikoEmulator.Control.parseFaultSpec("rateLimited:menuByIdV2,stopLists@0.3"), {
      fault: "rateLimited",
      operations: ["menuByIdV2", "stopLists"],
      probability: 0.3
    })
    assert.deepStrictEqual(IikoEmulator.Control.parseFaultSpec("connectionReset"), { fault: "connectionReset" })
    assert.include(IikoEmulator.Control.parseFaultSpec("meteor") as string, "kind one of latency")
    assert.include(IikoEmulator.Control.parseFaultSpec("latency@3") as string, "between 0 and 1")
  })

  it.effect("an invalid --fault, --traffic or --limit exits 2", () =>
    Effect.gen(function*() {
      const fault = yield* cli(["emulator", "--port", "0", "--fault", "meteor"])
      assert.strictEqual(fault.code, 2)
      assert.include(fault.err, "--fault 'meteor'")
      const traffic = yield* cli(["emulator", "--port", "0", "--traffic", "orders=lots"])
      assert.strictEqual(traffic.code, 2)
      assert.include(traffic.err, "expected key=perHour")
      const limit = yield* cli(["emulator", "--port", "0", "--limit", "Orders=fast"])
      assert.strictEqual(limit.code, 2)
      assert.include(limit.err, "Group name=requests/seconds")
      const operation = yield* cli(["emulator", "--port", "0", "--fault", "serverError:stop_list"])
      assert.strictEqual(operation.code, 2)
      assert.include(operation.err, "unknown operation 'stop_list'; did you mean stopLists")
      const group = yield* cli(["emulator", "--port", "0", "--limit", "Data: dictionary=5/1"])
      assert.strictEqual(group.code, 2)
      assert.include(group.err, "unknown restriction group 'Data: dictionary'; did you mean Data: dictionaries")
    }))

  it.effect("non-positive --organizations or --products, or a port out of range, exit 2", () =>
    Effect.gen(function*() {
      for (const args of [["--organizations", "-3"], ["--organizations", "0"], ["--products", "0"], ["--port", "70000"], ["--port", "-1"]]) {
        const { code, err } = yield* cli(["emulator", ...args])
        assert.strictEqual(code, 2, args.join(" "))
        assert.include(err, args[0]!, args.join(" "))
      }
    }))
})

describe("effect-iiko webhooks serve", () => {
  const TOKEN = "hook-SECRET-token"
  const ORG = "7bc05553-4b68-44e8-b7bc-37be63c6d9e9"
  // A delivery as iiko reports it (a spec-derived sample).
  const sample = JSON.parse(readFileSync(new URL("./fixtures/contract-samples.json", import.meta.url), "utf8"))
    .deliveriesById.response.orders[0]
  const batch = [{
    eventType: "DeliveryOrderUpdate",
    eventTime: "2026-11-28 12:00:00.000",
    organizationId: ORG,
    correlationId: "c-1",
    eventInfo: {
      ...sample,
      id: "5d3c6a1e-2b7f-4c1d-9e8a-0f1b2c3d4e5f",
      organizationId: ORG,
      timestamp: 1,
      order: { ...sample.order, status: "CookingStarted" }
    }
  }]

  it.live("prints each event with the right token as one JSON line, refuses a wrong one, stops with a summary", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(
        cli(["webhooks", "serve", "--port", "0", "--path", "/hooks"], { env: { IIKO_WEBHOOKS_TOKEN: TOKEN, IIKO_WEBHOOKS_PORT: "9" } })
      )
      const url = yield* TestConsole.errorLines.pipe(
        Effect.map((lines) => lines.join("\n").match(/listening on (http:\/\/127\.0\.0\.1:\d+\/hooks)/)?.[1]),
        Effect.flatMap((url) => url === undefined ? Effect.fail("not yet") : Effect.succeed(url)),
        Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 200 })
      )
      const http = yield* HttpClient.HttpClient
      const post = (authorization: string) =>
        http.post(url, { body: HttpBody.jsonUnsafe(batch), headers: { authorization } }).pipe(Effect.map((response) => response.status))
      assert.strictEqual(yield* post("wrong-token"), 401)
      assert.strictEqual(yield* post(TOKEN), 200)
      const printed = yield* TestConsole.logLines.pipe(
        Effect.flatMap((lines) => lines.length === 0 ? Effect.fail("not yet") : Effect.succeed(lines)),
        Effect.retry({ schedule: Schedule.spaced("20 millis"), times: 200 })
      )
      assert.strictEqual(printed.length, 1)
      assert.deepStrictEqual(JSON.parse(String(printed[0])), {
        eventType: "DeliveryOrderUpdate",
        eventTime: "2026-11-28 12:00:00.000",
        organizationId: ORG,
        correlationId: "c-1",
        id: "5d3c6a1e-2b7f-4c1d-9e8a-0f1b2c3d4e5f",
        status: "CookingStarted"
      })
      yield* Fiber.interrupt(fiber)
      const errors = (yield* TestConsole.errorLines).join("\n")
      assert.include(errors, "stopped: 2 requests, 1 events accepted, 0 duplicates, 1 unauthorized")
      assert.notInclude(errors + printed.join("\n"), "SECRET")
    }).pipe(Effect.provide(TestConsole.layer), Effect.provide(FetchHttpClient.layer)))

  it.effect("without IIKO_WEBHOOKS_TOKEN it exits 2 and says how to set it", () =>
    Effect.gen(function*() {
      const { code, err } = yield* cli(["webhooks", "serve", "--port", "0"])
      assert.strictEqual(code, 2)
      assert.include(err, "IIKO_WEBHOOKS_TOKEN is not set")
      assert.include(err, "never read from the command line")
    }))

  it.effect("--help documents --port, --host and --path", () =>
    Effect.gen(function*() {
      const { code, out } = yield* cli(["webhooks", "serve", "--help"])
      assert.strictEqual(code, 0)
      for (const flag of ["--port", "--host", "--path", "IIKO_WEBHOOKS_TOKEN"]) assert.include(out, flag)
      const root = yield* cli(["--help"])
      assert.include(root.out, "webhooks")
    }))
})

describe("effect-iiko webhooks register", () => {
  const TOKEN = "hook-SECRET-token"
  const receiver = "http://127.0.0.1:9/iiko/webhooks"

  it.live("registers the receiver for every organization with the chosen events, confirmed, never printing the token", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const env = { IIKO_API_LOGIN: "any", IIKO_BASE_URL: emulator.baseUrl, IIKO_WEBHOOKS_TOKEN: TOKEN }
      const { code, err, out } = yield* cli(["webhooks", "register", "--url", receiver, "--events", "deliveries,stoplists"], { env })
      assert.strictEqual(code, 0, err)
      const organizations = (yield* emulator.state).organizations
      assert.lengthOf(out.split("\n"), organizations.length)
      for (const organization of organizations) {
        assert.include(out, `${organization.name}: registered ${receiver}`)
        const stored = JSON.parse(
          (yield* cli(["call", "webhooksSettings", JSON.stringify({ organizationId: organization.id })], { env })).out
        )
        assert.strictEqual(stored.webHooksUri, receiver)
        assert.isTrue(stored.webHooksFilter.deliveryOrderFilter.errors)
        assert.isTrue(stored.webHooksFilter.stopListUpdateFilter.updates)
        assert.isNull(stored.webHooksFilter.nomenclatureUpdateFilter ?? null)
      }
      assert.notInclude(out + err, TOKEN)
    }).pipe(Effect.provide(server())))

  it.live("--organization limits it to that organization; an unknown one exits 2 naming the reachable ones", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const env = { IIKO_API_LOGIN: "any", IIKO_BASE_URL: emulator.baseUrl, IIKO_WEBHOOKS_TOKEN: TOKEN }
      const [first, second] = (yield* emulator.state).organizations
      const one = yield* cli(["webhooks", "register", "--url", receiver, "--organization", first!.name], { env })
      assert.strictEqual(one.code, 0, one.err)
      assert.deepStrictEqual(one.out.split("\n"), [`${first!.name}: registered ${receiver} (confirmed by reading the settings back)`])
      const other = JSON.parse((yield* cli(["call", "webhooksSettings", JSON.stringify({ organizationId: second!.id })], { env })).out)
      assert.notStrictEqual(other.webHooksUri, receiver)
      const unknown = yield* cli(["webhooks", "register", "--url", receiver, "--organization", "nowhere"], { env })
      assert.strictEqual(unknown.code, 2)
      assert.include(unknown.err, `no organization 'nowhere'; reachable: ${first!.name}`)
    }).pipe(Effect.provide(server())))

  it.effect("a missing token, a bad URL or an unknown event exits 2; iiko refusing the URL exits 1", () =>
    Effect.gen(function*() {
      const noToken = yield* cli(["webhooks", "register", "--url", receiver])
      assert.strictEqual(noToken.code, 2)
      assert.include(noToken.err, "IIKO_WEBHOOKS_TOKEN is not set")
      const env = { IIKO_WEBHOOKS_TOKEN: TOKEN }
      const badUrl = yield* cli(["webhooks", "register", "--url", "hooks.example.com"], { env })
      assert.strictEqual(badUrl.code, 2)
      assert.include(badUrl.err, "expected an absolute http(s) URL")
      const badEvent = yield* cli(["webhooks", "register", "--url", receiver, "--events", "deliveries,weather"], { env })
      assert.strictEqual(badEvent.code, 2)
      assert.include(badEvent.err, "expected a comma-separated list of deliveries, tables")
      // The embedded emulator only delivers to loopback: iiko's refusal is a failure, per organization.
      const refused = yield* cli(["webhooks", "register", "--url", "https://hooks.example.com/iiko"], { env })
      assert.strictEqual(refused.code, 1)
      assert.include(refused.out, "FAILED")
      assert.include(refused.err, "2 of 2 registrations failed")
    }))

  it.effect("--help documents --url, --organization and --events", () =>
    Effect.gen(function*() {
      const { code, out } = yield* cli(["webhooks", "register", "--help"])
      assert.strictEqual(code, 0)
      for (const flag of ["--url", "--organization", "--events", "IIKO_WEBHOOKS_TOKEN"]) assert.include(out, flag)
    }))
})
