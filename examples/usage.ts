import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import { Iiko, IikoClient } from "effect-iiko"

const program = Effect.gen(function*() {
  const { organizations } = yield* Iiko.organizations({ returnAdditionalInfo: false })
  const organizationIds = organizations.map((organization) => organization.id)
  const { terminalGroups } = yield* Iiko.terminalGroups({ organizationIds })
  return terminalGroups
})

program.pipe(
  Effect.provide(IikoClient.layerConfig()), // IIKO_* variables through effect's Config
  Effect.provide(FetchHttpClient.layer),    // any HttpClient: fetch, node:http, the emulator, a test double
  Effect.runPromise
)
