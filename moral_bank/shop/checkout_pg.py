"""A checkout's writes on PostgreSQL in one statement (one round trip instead of ten).

The same rows as the portable path in `service.redeem` (claim the key with the redemption, its
lines, ledger posting household → shop, stock movements, the audit row), written by one
data-modifying WITH query. The ledger's rules hold as in `ledger.service.post`:

- the two accounts are locked first, in id order (`FOR UPDATE` after `ORDER BY` locks in that order;
  the items wait for `count(*)` over both, as EXISTS would lock the items after the first account
  only), then the items, in id order: the lock order of every writer, so nothing deadlocks;
- the debit is guarded: the redemption row is written only when the locked household balance covers
  the total, and every other row hangs off that row, so a short balance writes nothing;
- the transfer has its two entries (−n, +n) and its idempotency key `redemption:<id>`;
- the key's claim is the redemption's unique Idempotency-Key (`ON CONFLICT DO NOTHING`): a replay or a
  racing double tap writes nothing and the caller returns the first redemption.

Every refusal writes nothing, so the statement is all-or-nothing on its own (the API runs it in
autocommit: one round trip, no BEGIN or COMMIT): the redemption row, which everything else hangs off,
is written only when the balance covers the total, every line's item is on the shelf in the quantity
asked, and a phone QR (if any) is claimed now, which in turn happens only when the rest would go
through. The answer says which of these failed.
"""

from sqlalchemy import text

CHECKOUT = text(
    """
WITH locked AS (
    SELECT id, balance FROM account WHERE id IN (:from_id, :to_id) ORDER BY id FOR UPDATE
), cart AS (
    SELECT * FROM unnest(CAST(:item_ids AS integer[]), CAST(:names AS varchar[]), CAST(:qtys AS integer[]),
                         CAST(:prices AS integer[])) AS u (item_id, name, qty, price)
), shelf AS (
    SELECT i.id, i.stock FROM shop_item i
    WHERE i.id = ANY(CAST(:item_ids AS integer[])) AND (SELECT count(*) FROM locked) > 0  -- both accounts first
    ORDER BY i.id FOR UPDATE
), short AS (
    SELECT u.item_id FROM cart u LEFT JOIN shelf s ON s.id = u.item_id WHERE s.stock IS NULL OR s.stock < u.qty
), covered AS (
    SELECT l.balance FROM locked l
    WHERE l.id = :from_id AND l.balance >= :n AND NOT EXISTS (SELECT 1 FROM short)
), phone AS (
    INSERT INTO phone_qr_use (nonce, household_id, used_at)
    SELECT CAST(:nonce AS varchar), :household_id, :now FROM covered WHERE CAST(:nonce AS varchar) IS NOT NULL
    ON CONFLICT (nonce) DO NOTHING
    RETURNING id
), claim AS (
    INSERT INTO redemption (shop_id, household_id, clerk_id, idempotency_key, digest, total, balance_after,
                            via, card_id, created_at, void_reason, transfer_id)
    SELECT :shop_id, :household_id, :actor_id, :key, :digest, :n, c.balance - :n,
           :via, :card_id, :now, '', nextval(pg_get_serial_sequence('transfer', 'id'))
    FROM covered c WHERE CAST(:nonce AS varchar) IS NULL OR EXISTS (SELECT 1 FROM phone)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, transfer_id, balance_after
), moved AS (
    UPDATE account a SET balance = a.balance + CASE WHEN a.id = :from_id THEN -:n ELSE :n END
    FROM claim WHERE a.id IN (:from_id, :to_id)
    RETURNING a.id
), posted AS (
    INSERT INTO transfer (id, kind, from_account_id, to_account_id, points, idempotency_key, source_type,
                          source_id, memo, actor_id, created_at)
    SELECT c.transfer_id, 'redemption', :from_id, :to_id, :n, 'redemption:' || c.id, 'redemption',
           c.id, :memo, :actor_id, :now
    FROM claim c
    RETURNING id
), entries AS (
    INSERT INTO entry (transfer_id, account_id, amount, created_at)
    SELECT c.transfer_id, v.account_id, v.amount, :now
    FROM claim c, (VALUES (CAST(:from_id AS integer), -CAST(:n AS integer)),
                          (CAST(:to_id AS integer), CAST(:n AS integer))) AS v (account_id, amount)
    RETURNING id
), lines AS (
    INSERT INTO redemption_line (redemption_id, item_id, name, qty, price)
    SELECT c.id, u.item_id, u.name, u.qty, u.price FROM claim c, cart u ORDER BY u.item_id
    RETURNING id, item_id
), taken AS (
    UPDATE shop_item i SET stock = i.stock - u.qty
    FROM cart u, claim c
    WHERE i.id = u.item_id AND i.stock >= u.qty
    RETURNING i.id, i.stock, u.qty, c.id AS redemption_id
), movements AS (
    INSERT INTO stock_movement (item_id, kind, delta, stock_after, reason, redemption_id, actor_id, created_at)
    SELECT t.id, 'redemption', -t.qty, t.stock, '', t.redemption_id, :actor_id, :now FROM taken t
    RETURNING id
), audited AS (
    INSERT INTO audit_log (at, user_id, action, object_type, object_id, unit_id, ip, details)
    SELECT :now, :actor_id, 'shop.redeem', 'redemption', c.id, :unit_id, :ip,
           json_build_object('shop_id', :shop_id, 'total', :n, 'household_id', :household_id)
    FROM claim c
    RETURNING id
)
SELECT (SELECT id FROM claim) AS redemption_id,
       (SELECT transfer_id FROM claim) AS transfer_id,
       (SELECT balance FROM locked WHERE id = :from_id) AS balance_before,
       (SELECT array_agg(item_id ORDER BY item_id) FROM short) AS short_items,
       EXISTS (SELECT 1 FROM covered) AS covered,
       (SELECT array_agg(id ORDER BY item_id) FROM lines) AS line_ids,
       (SELECT count(*) FROM taken) AS items_moved,
       (SELECT count(*) FROM moved) + (SELECT count(*) FROM posted) + (SELECT count(*) FROM entries)
       + (SELECT count(*) FROM movements) + (SELECT count(*) FROM audited) AS rows_written
"""
)
