"""Taking part: announcements (通知公告) and the household's door plate (一户一码)."""
