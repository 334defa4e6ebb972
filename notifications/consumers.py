from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications.services import user_group_name


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Pushes a signed-in user's new notifications to every page they have open."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = user_group_name(user.public_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def notification_created(self, event):
        await self.send_json({k: event[k] for k in ("id", "title", "body", "url")})
