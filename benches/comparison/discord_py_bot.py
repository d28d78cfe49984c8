"""The same /share flow as dlc-share-bot, written the way a Python team would: discord.py for the
gateway and replies, asyncpg for the audit log, Alibaba Cloud's official PAI-DLC SDK for
GetToken. A yardstick for the load harness (`LOAD_BOT_BINARY=benches/comparison/run.sh`), not a
product: it answers `/share job|tensorboard` and `/share-admin roles add`, nothing else.

Per /share: an ephemeral deferral, the guild's allowed roles read from PostgreSQL, the
interaction claimed once, a write-ahead audit row, a signed GetToken call, the row completed,
and the deferral edited into the link, as the Rust bot does.
"""

import hashlib
import json
import os
import time
import urllib.request
from urllib.parse import urlsplit

import asyncpg
import discord
import yarl
from alibabacloud_pai_dlc20201203.client import Client as DlcClient
from alibabacloud_pai_dlc20201203 import models as dlc_models
from alibabacloud_tea_openapi import models as open_api_models

API_BASE = os.environ["DLCSHARE_DISCORD__API_BASE"].rstrip("/")
GUILD_ID = int(os.environ["DLCSHARE_DISCORD__GUILD_ID"])
ENDPOINT = urlsplit(os.environ["DLCSHARE_ALIYUN__ENDPOINT"])

# Point discord.py's REST client and its gateway at the local Discord-compatible server.
discord.http.Route.BASE = f"{API_BASE}/api/v10"
_gateway = urllib.request.Request(
    f"{API_BASE}/api/v10/gateway",
    headers={"Authorization": f"Bot {os.environ['DISCORD_TOKEN']}"},
)
with urllib.request.urlopen(_gateway) as answer:
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(json.load(answer)["url"])

COMMANDS = [
    {
        "name": "share",
        "description": "Share a PAI-DLC job or TensorBoard with a time-limited link",
        "options": [
            {
                "type": 1,
                "name": kind,
                "description": f"Share a {kind}",
                "options": [
                    {"type": 3, "name": "id", "description": "The id", "required": True},
                    {"type": 3, "name": "expiry", "description": "How long"},
                ],
            }
            for kind in ("job", "tensorboard")
        ],
    },
    {
        "name": "share-admin",
        "description": "Manage who may share",
        "default_member_permissions": str(1 << 5),
        "options": [
            {
                "type": 2,
                "name": "roles",
                "description": "Allowed roles",
                "options": [
                    {
                        "type": 1,
                        "name": "add",
                        "description": "Allow a role",
                        "options": [
                            {"type": 8, "name": "role", "description": "The role", "required": True}
                        ],
                    }
                ],
            }
        ],
    },
]


async def defer(interaction: discord.Interaction) -> None:
    """discord.py's own `response.defer` asks for the callback's body (`with_response`), which
    the local Discord stand-in does not send: the same request, without reading a body."""
    adapter = discord.webhook.async_.async_context.get()
    params = discord.webhook.async_.interaction_response_params(type=5, data={"flags": 64})
    await adapter.create_interaction_response(
        interaction.id, interaction.token, session=interaction._session, params=params
    )


class Bot(discord.Client):
    def __init__(self):
        super().__init__(intents=discord.Intents.none())
        self.pool = None
        config = open_api_models.Config(
            access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
            access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
            endpoint=ENDPOINT.netloc,
            protocol=ENDPOINT.scheme,
            region_id="cn-hangzhou",
        )
        self.dlc = DlcClient(config)

    async def setup_hook(self):
        # Without the query: its parameters are sqlx's.
        url = os.environ["DATABASE_URL"].split("?")[0]
        self.pool = await asyncpg.create_pool(url, min_size=2, max_size=10)

    async def on_ready(self):
        await self.http.bulk_upsert_guild_commands(self.application_id, GUILD_ID, COMMANDS)

    async def on_interaction(self, interaction: discord.Interaction):
        if interaction.type != discord.InteractionType.application_command:
            return
        data = interaction.data
        if data["name"] == "share-admin":
            await self.roles_add(interaction, data)
        elif data["name"] == "share":
            await self.share(interaction, data)

    async def roles_add(self, interaction, data):
        role = data["options"][0]["options"][0]["options"][0]["value"]
        await defer(interaction)
        await self.pool.execute(
            "INSERT INTO guild_allowed_roles (guild_id, role_id, added_by) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING",
            str(interaction.guild_id), str(role), str(interaction.user.id),
        )
        await interaction.edit_original_response(
            content=f"<@&{role}> may now share links.",
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def share(self, interaction, data):
        started = time.monotonic()
        sub = data["options"][0]
        target_type = sub["name"]
        target_id = next(o["value"] for o in sub["options"] if o["name"] == "id")
        expire = 86400
        await defer(interaction)
        guild = str(interaction.guild_id)
        allowed = {
            r["role_id"]
            for r in await self.pool.fetch(
                "SELECT role_id FROM guild_allowed_roles WHERE guild_id = $1", guild
            )
        }
        # The member's role ids as the interaction carries them (no guild cache without intents).
        roles = {str(r) for r in getattr(interaction.user, "_roles", [])}
        if not allowed & roles:
            await interaction.edit_original_response(
                content="None of your roles may share.",
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return
        seen = await self.pool.execute(
            "INSERT INTO interactions_seen (interaction_id) VALUES ($1) ON CONFLICT DO NOTHING",
            str(interaction.id),
        )
        if seen.endswith(" 0"):
            return
        await self.pool.execute(
            "INSERT INTO audit_log (interaction_id, guild_id, channel_id, user_id, user_name, "
            "target_type, target_id, requested_expire_seconds, expire_seconds) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            str(interaction.id), guild, str(interaction.channel_id), str(interaction.user.id),
            interaction.user.name, target_type, target_id, expire,
        )
        request = dlc_models.GetTokenRequest(
            target_type=target_type, target_id=target_id, expire_time=expire
        )
        response = await self.dlc.get_token_async(request)
        token = response.body.token
        await self.pool.execute(
            "UPDATE audit_log SET outcome = 'issued', request_id = $2, latency_ms = $3, "
            "token_sha256 = $4, completed_at = now() WHERE interaction_id = $1 AND outcome = 'pending'",
            str(interaction.id), response.body.request_id,
            int((time.monotonic() - started) * 1000), hashlib.sha256(token.encode()).hexdigest(),
        )
        link = f"https://pai.console.aliyun.com/?regionId=cn-hangzhou#/dlc/jobs/{target_id}?token={token}"
        await interaction.edit_original_response(
            content=f"Here is your share link: {link}",
            allowed_mentions=discord.AllowedMentions.none(),
        )


if __name__ == "__main__":
    Bot().run(os.environ["DISCORD_TOKEN"])
