create table user(id bigint, email varchar(128), name varchar(128), phone varchar(32), score int, primary key(id));
create table account(id bigint, login varchar(64), team varchar(64), primary key(id));
create table device(id bigint, serial varchar(64), tag varchar(64), primary key(id));
