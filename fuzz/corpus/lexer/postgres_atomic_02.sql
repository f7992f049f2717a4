create or replace procedure p(x int) language sql
begin atomic
  insert into t values (case when x > 0 then case when x > 9 then 2 else 1 end else 0 end);
  update t set a = 1;
end;
select 2;
