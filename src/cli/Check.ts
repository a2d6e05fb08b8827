/**
 * `effect-iiko check`: logs in, lists the organizations and terminal groups the credentials
 * reach with whether each terminal is alive, and prints a verdict with a remedy for what failed.
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import * as Iiko from "../Iiko.ts"
import * as IikoAuth from "../IikoAuth.ts"
import type { IikoError } from "../IikoError.ts"
import * as CliFailure from "./CliFailure.ts"
import { Target } from "./Target.ts"

/**
 * What the check found, as `--json` prints it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Report {
  readonly target: string
  readonly ok: boolean
  readonly verdict: string
  readonly remedy: string | undefined
  readonly organizations: ReadonlyArray<{
    readonly id: string
    readonly name: string
    readonly terminalGroups: ReadonlyArray<{ readonly id: string; readonly name: string; readonly isAlive: boolean | undefined }>
  }>
}

/**
 * The remedy for a failed login or listing, by what iiko answered.
 *
 * @since 0.1.0
 * @category diagnosis
 */
export const diagnose = (error: IikoError): { readonly verdict: string; readonly remedy: string } => {
  const text = `${error.description ?? ""} ${error.code ?? ""}`.toLowerCase()
  if (text.includes("block") || text.includes("inactive")) {
    return {
      verdict: "the API login is blocked or inactive",
      remedy: "Stop every job using this login (repeated bad requests cause blocks), then ask iiko support " +
        "to unblock it or issue a new API key in iikoWeb; quote the correlationId."
    }
  }
  switch (error.reason._tag) {
    case "Unauthorized":
    case "Forbidden":
      return {
        verdict: "wrong credentials",
        remedy: "Check IIKO_APP_ID, IIKO_CLIENT_SECRET and IIKO_API_KEY (v2) or IIKO_API_LOGIN (v1): copy them " +
          "again from the iiko API portal and iikoWeb, without spaces; set only one of the two kinds."
      }
    case "Transport":
      return {
        verdict: "iiko Cloud is unreachable",
        remedy: "Check the network and IIKO_BASE_URL (https://api-ru.iiko.services or https://api-eu.iiko.services)."
      }
    case "RateLimited":
      return { verdict: "rate limited by iiko", remedy: "Wait for the Retry-After period; stop other jobs on this login." }
    default:
      return { verdict: `iiko answered ${error.message}`, remedy: "Retry later; if it persists, quote the correlationId to iiko support." }
  }
}

const inspect = Effect.gen(function*() {
  const target = yield* Target
  const auth = yield* IikoAuth.IikoAuth
  const failure = (error: IikoError): Report => ({ target: target.description, ok: false, ...diagnose(error), organizations: [] })
  return yield* Effect.gen(function*() {
    yield* auth.token
    const { organizations } = yield* Iiko.organizations({ returnAdditionalInfo: false })
    if (organizations.length === 0) {
      return {
        target: target.description,
        ok: false,
        verdict: "the credentials reach no organization",
        remedy: "In iikoWeb, grant the API key access to the organizations (Integrations → API keys), then check again.",
        organizations: []
      } satisfies Report
    }
    const organizationIds = organizations.map((organization) => organization.id)
    const { terminalGroups } = yield* Iiko.terminalGroups({ organizationIds })
    const alive = new Map<string, boolean>()
    for (const organizationId of organizationIds) {
      const ids = terminalGroups.filter((group) => group.organizationId === organizationId).flatMap((group) =>
        group.items.map((item) => item.id)
      )
      if (ids.length === 0) continue
      const { isAliveStatus } = yield* Iiko.terminalGroupsIsAlive({ organizationIds: [organizationId], terminalGroupIds: ids })
      for (const status of isAliveStatus) alive.set(status.terminalGroupId, status.isAlive)
    }
    const report = organizations.map((organization) => ({
      id: organization.id,
      name: organization.name ?? organization.id,
      terminalGroups: terminalGroups.filter((group) => group.organizationId === organization.id).flatMap((group) =>
        group.items.map((item) => ({ id: item.id, name: item.name, isAlive: alive.get(item.id) }))
      )
    }))
    const terminals = report.flatMap((organization) => organization.terminalGroups)
    const aliveCount = terminals.filter((terminal) => terminal.isAlive === true).length
    const ok = terminals.length === 0 || aliveCount > 0
    return {
      target: target.description,
      ok,
      verdict: `${report.length} organization(s), ${terminals.length} terminal group(s), ${aliveCount} alive`,
      remedy: ok ? undefined : "No terminal is alive: start iikoFront on the restaurant terminals and check their internet connection.",
      organizations: report
    } satisfies Report
  }).pipe(Effect.catchTag("IikoError", (error) => Effect.succeed(failure(error))))
})

const printText = (report: Report) =>
  Effect.gen(function*() {
    yield* Console.log(`target: ${report.target}`)
    for (const organization of report.organizations) {
      yield* Console.log(`${organization.name} (${organization.id})`)
      for (const terminal of organization.terminalGroups) {
        const state = terminal.isAlive === undefined ? "unknown" : terminal.isAlive ? "alive" : "not alive"
        yield* Console.log(`  ${terminal.name} (${terminal.id}): ${state}`)
      }
    }
    yield* Console.log(`${report.ok ? "OK" : "FAILED"}: ${report.verdict}`)
    if (report.remedy !== undefined) yield* Console.log(`remedy: ${report.remedy}`)
  })

/**
 * The `check` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "check",
  { json: Flag.Boolean("json").pipe(Flag.withDescription("Print the report as JSON"), Flag.withDefault(false)) },
  ({ json }) =>
    Effect.gen(function*() {
      const report = yield* inspect
      yield* json ? Console.log(JSON.stringify(report, null, 2)) : printText(report)
      if (!report.ok) return yield* CliFailure.failed(`check failed: ${report.verdict}`)
    })
).pipe(
  Command.withDescription(
    "Log in, list organizations and terminal groups with is_alive, and print a verdict with a remedy for each failure"
  )
)
