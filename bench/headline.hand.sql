-- "O365 Email Send and Hard Delete Exfiltration Behavior" written by hand for DuckDB, as an expert would: the
-- benchmark's reference for the SQL duckhunt compiles from
-- queries/o365_email_send_and_hard_delete_exfiltration_behavior.spl.
--
-- It reads two relations with the files' own (typed, nested) columns, which bench/lib.ts defines as views:
--   ma  o365:management:activity: _time (epoch seconds), Operation, Workload, UserId, MailboxOwnerUPN,
--       ClientInfoString, SendAsUserSmtp, SendOnBehalfOfUserSmtp, Item {Subject, InternetMessageId,
--       SizeInBytes, Attachments}, Folder {Path}, AffectedItems [{Subject, Attachments}]
--   mt  o365:reporting:messagetrace: Organization, MessageId, SenderAddress, RecipientAddress, Status
-- (read_json with those columns for NDJSON, read_parquet for Parquet).
--
-- It keeps the detection's Splunk semantics wherever they can change a result on real O365 data: search terms
-- are case-insensitive, JSON null is absent, trim() and replace() of a multivalue field give null (D1),
-- `firstTime < lastTime` over multivalues is "some send before some delete" (D2, = min(send) < max(delete)),
-- the join key InternetMessageId matches only when the group has a single message id (D3), values() is sorted
-- and distinct. What it leaves out is the compiler's generality: no row-order column, no text↔number
-- round trips, no subsearch row cap (the subsearch returns far fewer than 50,000 rows on the benchmark data).

WITH
-- the subsearch: send and hard-delete events of the same subject by the same user in the same clock hour
audit AS (
  SELECT
    floor(_time / 3600) * 3600 AS hour,
    lower(UserId) AS "user",
    Operation,
    ClientInfoString,
    lower(coalesce(SendAsUserSmtp, SendOnBehalfOfUserSmtp, MailboxOwnerUPN)) AS sender,
    trim(CASE WHEN Operation IN ('Send', 'SendAs', 'SendOnBehalf') THEN Item.Subject
              WHEN Operation IN ('SoftDelete', 'HardDelete') THEN
                CASE WHEN len([a.Subject FOR a IN AffectedItems IF a.Subject IS NOT NULL]) = 1
                     THEN [a.Subject FOR a IN AffectedItems IF a.Subject IS NOT NULL][1] END
         END, ' ' || chr(9)) AS subject,
    lower(Item.InternetMessageId) AS internet_message_id,
    CASE WHEN Operation IN ('Send', 'SendAs', 'SendOnBehalf') THEN string_split(Item.Attachments, '; ')
         WHEN Operation IN ('SoftDelete', 'HardDelete') THEN flatten([string_split(a.Attachments, '; ') FOR a IN AffectedItems IF a.Attachments IS NOT NULL])
    END AS file_name,
    CASE WHEN Operation IN ('Send', 'SendAs', 'SendOnBehalf') THEN _time END AS send_time,
    CASE WHEN Operation IN ('SoftDelete', 'HardDelete') THEN _time END AS delete_time,
    Item.SizeInBytes AS item_size
  FROM ma
  WHERE lower(Workload) = 'exchange'
    AND (Operation ILIKE 'Send%'
         OR (lower(Operation) = 'harddelete' AND lower(Folder.Path) IN ('\sent items', '\recoverable items\deletions')))
),
sized AS (
  SELECT *,
    CASE WHEN Operation IN ('Send', 'SendAs', 'SendOnBehalf') THEN round(item_size / 1024 / 1024, 2)
         WHEN len(file_name) = 1 THEN round(TRY_CAST(regexp_extract(file_name[1], '(.+)\s\((\d+)(b\)$)', 2) AS DOUBLE) / 1024 / 1024, 2)
    END AS file_size
  FROM audit
),
send_delete AS (
  SELECT
    hour, subject, "user",
    list_sort(list_distinct(list(sender))) AS sender,
    list_sort(list_distinct(list(ClientInfoString))) AS http_user_agent,
    -- the join key: the group's message id when it has exactly one (a multivalue key never matches, D3)
    CASE WHEN min(internet_message_id) = max(internet_message_id) THEN min(internet_message_id) END AS internet_message_id,
    list_sort(list_distinct(flatten(list(file_name)))) AS file_name,
    sum(file_size) AS file_size,
    min(send_time) AS first_time,
    max(delete_time) AS last_time,
    list_sort(list_distinct(list(Operation))) AS signature
  FROM sized
  WHERE hour IS NOT NULL AND subject IS NOT NULL AND "user" IS NOT NULL
  GROUP BY hour, subject, "user"
  -- opcount > 1 (two distinct operations) AND firstTime < lastTime
  HAVING min(Operation) <> max(Operation) AND min(send_time) < max(delete_time)
),
-- the main search: delivered message-trace rows, joined to the pairs by message id and sender
delivered AS (
  SELECT lower(SenderAddress) AS "user", lower(RecipientAddress) AS recipient, lower(MessageId) AS internet_message_id, Organization
  FROM mt
  WHERE lower(Status) = 'delivered' AND RecipientAddress IS NOT NULL AND Organization IS NOT NULL
)
SELECT
  p.subject,
  d."user",
  d.recipient,
  d.Organization,
  list_sort(list_distinct(flatten(list(p.sender)))) AS sender,
  list_sort(list_distinct(flatten(list(p.http_user_agent)))) AS http_user_agent,
  list_sort(list_distinct(flatten(list(p.signature)))) AS signature,
  list_sort(list_distinct(flatten(list(p.file_name)))) AS file_name,
  sum(p.file_size) AS file_size,
  strftime(make_timestamp(CAST(min(p.first_time) * 1000000 AS BIGINT)), '%Y-%m-%dT%H:%M:%S') AS firstTime,
  strftime(make_timestamp(CAST(max(p.last_time) * 1000000 AS BIGINT)), '%Y-%m-%dT%H:%M:%S') AS lastTime,
  count(*) AS count,
  1 AS externalRecipient
FROM delivered d
JOIN send_delete p ON p.internet_message_id = d.internet_message_id AND p."user" = d."user"
GROUP BY p.subject, d."user", d.recipient, d.Organization
-- externalRecipient: the recipient does not contain the first label of the organisation's domain. match() is a
-- regex, but a domain label has no regex metacharacters, so a substring test is the same and much cheaper here:
-- DuckDB pushes this filter below the join onto every delivered trace row, where a per-row regex costs seconds.
HAVING NOT contains(d.recipient, split_part(lower(d.Organization), '.', 1))
ORDER BY p.subject, d."user", d.recipient, d.Organization
