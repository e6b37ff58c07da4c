"""QR member cards: signed card tokens, short codes with a check character, reissue, scanning."""
