create table user_email_lkp(email varchar(128) not null, keyspace_id varbinary(16), primary key(email));
create table user_name_lkp(name varchar(128) not null, keyspace_id varbinary(16) not null, primary key(name, keyspace_id));
create table user_phone_lkp(phone varchar(32) not null, user_id bigint unsigned, primary key(phone));
create table account_login_lkp(login varchar(64) not null, keyspace_id varbinary(16), primary key(login));
create table device_serial_lkp(serial varchar(64) not null, keyspace_id varbinary(16), primary key(serial));
create table device_tag_lkp(tag varchar(64) not null, keyspace_id varbinary(16) not null, primary key(tag, keyspace_id));
create table account_team_lkp(team varchar(64) not null, keyspace_id varbinary(16) not null, primary key(team, keyspace_id));
