"""Amazon Seller Central as a store source: its settlements (the money Amazon pays into the bank),
read from the V2 settlement flat file over the Selling Partner API and booked through the core's
settlement model. Amazon has no webhooks for sales a stack could sync order by order."""
