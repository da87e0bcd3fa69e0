"""Conversation state in Redis, shared by several worker processes."""

from __future__ import annotations

from datetime import datetime

import orjson
from redis.asyncio import Redis

from bot.conversations.base import StaleConversation
from flows.conversation import Conversation
from flows.messages import ConversationKey

IDLE_EXPIRY_SECONDS = 90 * 24 * 3600  # a conversation untouched for 90 days is forgotten

# Compare-and-set: write only if the stored version is still the one the turn loaded.
_SAVE_IF_VERSION = """
local current = redis.call('HGET', KEYS[1], 'v') or '0'
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


class RedisConversations:
    """One hash per conversation (`v` version, `d` JSON state), saved by a compare-and-set script."""

    def __init__(self, redis: Redis, prefix: str = "chatcart") -> None:
        self._redis = redis
        self._prefix = prefix
        self._save = redis.register_script(_SAVE_IF_VERSION)

    def _key(self, key: ConversationKey) -> str:
        return f"{self._prefix}:conv:{key.channel}:{key.user_id}"

    async def load(self, key: ConversationKey) -> Conversation | None:
        version, data = await self._redis.hmget(self._key(key), ["v", "d"])
        if version is None or data is None:
            return None
        return Conversation.from_json(key, orjson.loads(data), int(version))

    async def save(self, conversation: Conversation, now: datetime) -> None:
        data = orjson.dumps(conversation.to_json())
        args: list[str | int | bytes] = [
            conversation.version,
            conversation.version + 1,
            data,
            IDLE_EXPIRY_SECONDS,
        ]
        if not await self._save(keys=[self._key(conversation.key)], args=args):
            raise StaleConversation(str(conversation.key))
        conversation.version += 1
