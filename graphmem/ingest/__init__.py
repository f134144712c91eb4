"""Write path: normalize input, extract, resolve entities, plan and write (DESIGN §3)."""
