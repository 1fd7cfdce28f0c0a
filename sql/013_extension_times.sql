-- 013_extension_times.sql - the dateTime values of schema extensions, as
-- filters compare them. They sit in a resource's document as the client
-- wrote them (RFC 3339 text); scim_time() reads one as the service's
-- filter evaluator does (src/model/datetime.c): seconds since 1970 in UTC
-- with up to nine fractional digits (the rest cut off), exactly, as a
-- numeric; NULL for anything else. The cast to timestamptz would not do: it
-- also takes 'today', reads a time without an offset in the session's time
-- zone, and rounds to the microsecond.

CREATE FUNCTION scim_time(t text) RETURNS numeric
	LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
	m text[];
	y integer;
	mo integer;
	d integer;
	fraction numeric := 0;
	off integer := 0;
BEGIN
	m := regexp_match(t, '^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})'
			     '(?:\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))?$');
	IF m IS NULL THEN
		RETURN NULL;
	END IF;
	y := m[1]::integer;
	mo := m[2]::integer;
	d := m[3]::integer;
	IF y < 1 OR mo < 1 OR mo > 12 OR d < 1 OR m[4]::integer > 23 OR m[5]::integer > 59
	   OR m[6]::integer > 60 THEN
		RETURN NULL;
	END IF;
	IF d > extract(day FROM make_date(y, mo, 1) + interval '1 month - 1 day') THEN
		RETURN NULL;
	END IF;
	IF m[7] IS NOT NULL THEN
		fraction := ('0.' || left(m[7], 9))::numeric;
	END IF;
	IF m[9] IS NOT NULL THEN
		IF m[10]::integer > 23 OR m[11]::integer > 59 THEN
			RETURN NULL;
		END IF;
		off := (m[10]::integer * 3600 + m[11]::integer * 60) * CASE m[9] WHEN '-' THEN -1 ELSE 1 END;
	END IF;
	RETURN extract(epoch FROM make_timestamptz(y, mo, d, m[4]::integer, m[5]::integer, 0, 'UTC'))
		+ m[6]::integer - off + fraction;
END;
$$;
COMMENT ON FUNCTION scim_time(text) IS 'An RFC 3339 dateTime of a document (an extension''s attribute) as filters compare it: seconds since 1970 in UTC, to the nanosecond (digits beyond cut off), exactly; NULL when the text is not one. The same reading as the service''s filter evaluator.';
