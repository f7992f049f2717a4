-- +goose Up
SELECT * FROM foo;
SELECT * FROM bar
