"""HTTP routes of the customer's milestone notifications: the channels, the customers' group
robots and the texts (admins), and what a work order's customer was sent (staff)."""

from typing import TypeAlias
from uuid import UUID

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from mobile_contract import notify as contract
from notify import channels, history, templates
from notify.secrets import Sealer
from web.http import BEARER, DB, CurrentActor

# The sealer of notify's secrets, under the server's key (server/app.py).
Secrets: TypeAlias = NamedDependency[Sealer]


class NotifyController(Controller):
    path = "/api/v1/notify"
    tags = ["notify"]
    security = BEARER

    @get("/channels")
    async def list_channels(self, db: DB, actor: CurrentActor) -> contract.NotifyChannelList:
        """Every kind of channel, configured or not; secrets are never shown (admins)."""
        return await channels.list_channels(db=db, actor=actor)

    @put("/channels/{kind:str}")
    async def save_channel(
        self,
        kind: FromPath[contract.ChannelKind],
        data: JSONBody[contract.NotifyChannelUpdate],
        db: DB,
        actor: CurrentActor,
        notify_secrets: Secrets,
    ) -> contract.NotifyChannel:
        """Saves the channel whole, except a ``secret`` left out (kept); checked so a channel
        switched on has what its provider needs (admins)."""
        return await channels.save_channel(
            db=db, actor=actor, sealer=notify_secrets, kind=kind, data=data
        )

    @get("/customers/{customer_id:uuid}/robots")
    async def list_robots(
        self, customer_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.CustomerRobotList:
        """The customer's WeCom and DingTalk group robots, without their addresses' keys."""
        return await channels.list_robots(db=db, actor=actor, customer_id=customer_id)

    @put("/customers/{customer_id:uuid}/robots/{robot_kind:str}")
    async def save_robot(
        self,
        customer_id: FromPath[UUID],
        robot_kind: FromPath[contract.RobotKind],
        data: JSONBody[contract.CustomerRobotUpdate],
        db: DB,
        actor: CurrentActor,
        notify_secrets: Secrets,
    ) -> contract.CustomerRobot:
        """The group robot of the service chat with the customer (admins)."""
        return await channels.save_robot(
            db=db,
            actor=actor,
            sealer=notify_secrets,
            customer_id=customer_id,
            kind=robot_kind,
            data=data,
        )

    @get("/templates")
    async def list_templates(self, db: DB, actor: CurrentActor) -> contract.NotifyTemplateList:
        """Each milestone's text in zh-CN and English: the tenant's own or the built-in."""
        return await templates.list_templates(db=db, actor=actor)

    @put("/templates/{milestone:str}/{locale:str}")
    async def save_template(
        self,
        milestone: FromPath[contract.Milestone],
        locale: FromPath[contract.TemplateLocale],
        data: JSONBody[contract.NotifyTemplateUpdate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.NotifyTemplate:
        """The tenant's own text ("" goes back to the built-in); an unknown placeholder or a
        missing link is refused with ``config_invalid`` (admins)."""
        return await templates.save_template(
            db=db, actor=actor, milestone=milestone, locale=locale, data=data
        )


class WorkOrderNotificationsController(Controller):
    path = "/api/v1/work-orders/{work_order_id:uuid}"
    tags = ["notify"]
    security = BEARER

    @get("/customer-notifications")
    async def customer_notifications(
        self, work_order_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.CustomerNotificationList:
        """The milestones the customer was told of, and each message's channel, masked
        address, status and last error."""
        return await history.of_work_order(db=db, actor=actor, work_order_id=work_order_id)


CONTROLLERS = [NotifyController, WorkOrderNotificationsController]
