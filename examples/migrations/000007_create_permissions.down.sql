DROP TABLE session_permissions;
DROP TABLE permissions;
