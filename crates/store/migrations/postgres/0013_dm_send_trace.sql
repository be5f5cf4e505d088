-- What a DM's chat held before its first send attempt (issue 15): read and recorded before the
-- provider is called, so that after an attempt whose answer was lost our message is recognised
-- by ids (the oldest of ours newer than this) rather than by its text. NULL
-- `chat_read_before_send_at`: never recorded (DMs that started sending before this column).
ALTER TABLE messages ADD COLUMN chat_read_before_send_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN last_message_before_send TEXT;
