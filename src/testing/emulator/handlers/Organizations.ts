/**
 * Organizations, their settings, and terminal groups (alive and asleep states, awake).
 *
 * @since 0.1.0
 */
import type * as Domain from "../Domain.ts"
import * as R from "../Route.ts"
import { json } from "../Wire.ts"

const selected = (context: R.Context): ReadonlyArray<Domain.Organization> => {
  const ids = R.uuids(context.body, "organizationIds")
  return ids.length === 0 ? context.state.organizations : context.state.organizations.filter((o) => ids.includes(o.id))
}

const organizationView = (organization: Domain.Organization, extended: boolean): Record<string, unknown> =>
  extended
    ? {
      responseType: "Extended",
      id: organization.id,
      name: organization.name,
      code: organization.code,
      country: organization.country,
      restaurantAddress: organization.restaurantAddress,
      latitude: organization.latitude,
      longitude: organization.longitude,
      useUaeAddressingSystem: false,
      version: "9.7.5002.0",
      currencyIsoName: organization.currencyIsoName,
      currencyMinimumDenomination: 0.01,
      countryPhoneCode: "7",
      marketingSourceRequiredInDelivery: false,
      defaultDeliveryCityId: null,
      deliveryCityIds: [],
      deliveryServiceType: "CourierAndSelfService",
      defaultCallCenterPaymentTypeId: null,
      orderItemCommentEnabled: true,
      inn: null,
      addressFormatType: "Legacy",
      isConfirmationEnabled: true,
      confirmAllowedIntervalInMinutes: 10,
      isCloud: true,
      addressLookup: []
    }
    : { responseType: "Simple", id: organization.id, name: organization.name, code: organization.code }

const list = (name: string, method: "POST" | "GET") => ({
  ...R.post(name, "/api/1/organizations", "read", (context: R.Context) =>
    json({
      correlationId: context.correlationId,
      organizations: selected(context).map((o) => organizationView(o, context.body["returnAdditionalInfo"] === true))
    })),
  method
})

const settings = R.post("organizationsSettings", "/api/1/organizations/settings", "read", (context) =>
  json({
    correlationId: context.correlationId,
    organizations: selected(context).map((o) => ({
      id: o.id,
      name: o.name,
      country: o.country,
      restaurantAddress: o.restaurantAddress,
      latitude: o.latitude,
      longitude: o.longitude,
      currencyIsoName: o.currencyIsoName,
      pricesVatInclusive: true,
      version: "9.7.5002.0",
      addressFormatType: "Legacy",
      isConfirmationEnabled: true
    }))
  }))

const terminalView = (group: Domain.TerminalGroup) => ({
  id: group.id,
  organizationId: group.organizationId,
  name: group.name,
  address: group.address,
  timeZone: group.timeZone,
  posVersion: group.posVersion,
  externalData: []
})

const byOrganization = (
  organizations: ReadonlyArray<Domain.Organization>,
  groups: ReadonlyArray<Domain.TerminalGroup>
) =>
  organizations.map((o) => ({
    organizationId: o.id,
    items: groups.filter((g) => g.organizationId === o.id).map(terminalView)
  }))

const terminalGroups = R.post("terminalGroups", "/api/1/terminal_groups", "read", (context) => {
  const organizations = R.organizations(context, R.uuids(context.body, "organizationIds", true))
  const groups = context.state.terminalGroups
  return json({
    correlationId: context.correlationId,
    terminalGroups: byOrganization(organizations, groups.filter((g) => !g.asleep)),
    terminalGroupsInSleep: byOrganization(organizations, groups.filter((g) => g.asleep))
  })
})

const isAlive = R.post("terminalGroupsIsAlive", "/api/1/terminal_groups/is_alive", "read", (context) => {
  const ids = R.uuids(context.body, "terminalGroupIds", true)
  return json({
    correlationId: context.correlationId,
    isAliveStatus: ids.map((id) => {
      const group = context.state.terminalGroupsById.get(id) ?? R.reject(`Terminal group '${id}' is not found.`)
      return { isAlive: group.alive && !group.asleep, terminalGroupId: id, organizationId: group.organizationId }
    })
  })
})

const awake = R.post("terminalGroupsAwake", "/api/1/terminal_groups/awake", "action", (context) => {
  R.organizations(context, R.uuids(context.body, "organizationIds", true))
  const successfullyProcessed: Array<string> = []
  const failedProcessed: Array<string> = []
  for (const id of R.uuids(context.body, "terminalGroupIds", true)) {
    const group = context.state.terminalGroupsById.get(id)
    if (group === undefined || !group.alive) {
      failedProcessed.push(id)
    } else {
      group.asleep = false
      successfullyProcessed.push(id)
    }
  }
  return json({ successfullyProcessed, failedProcessed })
})

/**
 * The modelled organization and terminal-group operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [
  list("organizations", "POST"),
  list("organizationsGet", "GET"),
  settings,
  terminalGroups,
  isAlive,
  awake
]
