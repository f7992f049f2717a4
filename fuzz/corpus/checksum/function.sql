CREATE FUNCTION f() RETURNS trigger AS $body$
BEGIN
  -- don't
  RETURN NEW;
END $body$ LANGUAGE plpgsql;
