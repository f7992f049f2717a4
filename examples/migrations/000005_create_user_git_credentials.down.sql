DROP TABLE user_git_credentials;
