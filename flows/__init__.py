"""The conversation engine, pure: a shopper's message and the conversation in, replies and commands out."""
