    
-- +goose Up
-- +goose StatementBegin
CREATE INDEX ON public.users (user_id);
-- +goose StatementEnd
