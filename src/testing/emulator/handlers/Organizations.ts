/**
 * Organizations, their settings, and terminal groups (alive and asleep states, awake).
 *
 * @since 0.1.0
 */
import * as Iiko from "../../../generated/Iiko.ts"
import type * as Domain from "../Domain.ts"
import * as R from "../Route.ts"
import { json } from "../Wire.ts"

type OrganizationsFilter = { readonly organizationIds?: ReadonlyArray<string> | null | undefined }

const selected = (context: R.Context<OrganizationsFilter>): ReadonlyArray<Domain.Organization> => {
  const ids = context.body.organizationIds ?? []
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

/** `organizations` (POST) and its deprecated GET twin, which takes no body. */
const list = (context: R.Context<OrganizationsFilter & { readonly returnAdditionalInfo?: boolean | null | undefined }>) =>
  json({
    correlationId: context.correlationId,
    organizations: selected(context).map((o) => organizationView(o, context.body.returnAdditionalInfo === true))
  })

const settings = R.handle(Iiko.organizationsSettings, (context) =>
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

const terminalGroups = R.handle(Iiko.terminalGroups, (context) => {
  const organizations = R.organizations(context, context.body.organizationIds)
  const groups = context.state.terminalGroups
  return json({
    correlationId: context.correlationId,
    terminalGroups: byOrganization(organizations, groups.filter((g) => !g.asleep)),
    terminalGroupsInSleep: byOrganization(organizations, groups.filter((g) => g.asleep))
  })
})

const isAlive = R.handle(Iiko.terminalGroupsIsAlive, (context) => {
  return json({
    correlationId: context.correlationId,
    isAliveStatus: context.body.terminalGroupIds.map((id) => {
      const group = context.state.terminalGroupsById.get(id) ?? R.reject(`Terminal group '${id}' is not found.`)
      return { isAlive: group.alive && !group.asleep, terminalGroupId: id, organizationId: group.organizationId }
    })
  })
})

const awake = R.handle(Iiko.terminalGroupsAwake, (context) => {
  R.organizations(context, context.body.organizationIds)
  const successfullyProcessed: Array<string> = []
  const failedProcessed: Array<string> = []
  for (const id of context.body.terminalGroupIds) {
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
  R.handle(Iiko.organizations, list),
  R.handle(Iiko.organizationsGet, list),
  settings,
  terminalGroups,
  isAlive,
  awake
]
