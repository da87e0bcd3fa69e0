"""What staff read of shoppers' conversations: the conversations list and one conversation (where the
shopper is in the flow, their cart, their orders, and the messages chatcart sent them). Read only."""
