/**
 * Hand-written descriptors for the first operations, until the generated ones replace them.
 *
 * @internal
 */
import { Schema } from "effect"
import * as Endpoint from "../Endpoint.ts"

const Uuid = Schema.String.check(Schema.isUUID())

/** @internal */
export const accessToken = Endpoint.make({
  name: "accessToken",
  path: "/api/1/access_token",
  request: Schema.Struct({ apiLogin: Schema.String }),
  response: Schema.Struct({ correlationId: Schema.String, token: Schema.String }),
  sideEffect: "auth"
})

/** @internal */
export const accessTokenV2 = Endpoint.make({
  name: "accessTokenV2",
  path: "/api/v2/access_token",
  request: Schema.Struct({ appId: Schema.String, clientSecret: Schema.String, apiKey: Schema.String }),
  response: Schema.Struct({ correlationId: Schema.String, token: Schema.String }),
  sideEffect: "auth"
})

/** @internal */
export const organizations = Endpoint.make({
  name: "organizations",
  path: "/api/1/organizations",
  request: Schema.Struct({
    organizationIds: Schema.optionalKey(Schema.NullOr(Schema.Array(Uuid))),
    returnAdditionalInfo: Schema.optionalKey(Schema.Boolean),
    includeDisabled: Schema.optionalKey(Schema.Boolean)
  }),
  response: Schema.Struct({
    correlationId: Schema.String,
    organizations: Schema.Array(Schema.Struct({ id: Schema.String, name: Schema.NullOr(Schema.String) }))
  }),
  sideEffect: "read",
  restrictionGroup: "Data: dictionaries"
})

/** @internal */
export const terminalGroups = Endpoint.make({
  name: "terminalGroups",
  path: "/api/1/terminal_groups",
  request: Schema.Struct({
    organizationIds: Schema.Array(Uuid),
    includeDisabled: Schema.optionalKey(Schema.Boolean)
  }),
  response: Schema.Struct({
    correlationId: Schema.String,
    terminalGroups: Schema.Array(Schema.Struct({
      organizationId: Schema.String,
      items: Schema.Array(Schema.Struct({ id: Schema.String, organizationId: Schema.String, name: Schema.String }))
    }))
  }),
  sideEffect: "read",
  restrictionGroup: "Data: dictionaries"
})

/** @internal */
export const commandsStatus = Endpoint.make({
  name: "commandsStatus",
  path: "/api/1/commands/status",
  request: Schema.Struct({ organizationId: Uuid, correlationId: Uuid }),
  response: Schema.Struct({
    state: Schema.String,
    exception: Schema.optionalKey(Schema.Unknown),
    errorReason: Schema.optionalKey(Schema.NullOr(Schema.String))
  }),
  sideEffect: "read",
  restrictionGroup: "Commands"
})

/** @internal */
export const deliveriesCreate = Endpoint.make({
  name: "deliveriesCreate",
  path: "/api/1/deliveries/create",
  request: Schema.Struct({ organizationId: Uuid, order: Schema.Struct({ id: Schema.optionalKey(Uuid) }) }),
  response: Schema.Struct({ correlationId: Schema.String }),
  sideEffect: "create",
  asyncKind: "command",
  restrictionGroup: "Orders: creating"
})
