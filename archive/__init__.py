"""The archive: raw messages stored once, their parts, and everything derived from them."""
