// JDBC (MariaDB Connector/J, server-side prepared statements) against the
// gateway: java Jdbc.java PORT.  Prints what a user would look at;
// test_clients.c compares it line by line.
import java.sql.*;

public class Jdbc {
    public static void main(String[] args) throws Exception {
        String url = "jdbc:mariadb://127.0.0.1:" + args[0]
                     + "/customer?user=app&password=app&useServerPrepStmts=true";
        try (Connection c = DriverManager.getConnection(url)) {
            System.out.println("server: " + (c.getMetaData().getDatabaseProductVersion().contains("vrepl") ? "vrepl" : "?"));
            try (PreparedStatement ps = c.prepareStatement("select cid, name from customer where cid = ?")) {
                for (int id : new int[] {1, 6, 42}) {
                    ps.setInt(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        System.out.println("cid " + id + ": " + (rs.next() ? rs.getInt(1) + "," + rs.getString(2) : "none"));
                    }
                }
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select c.name, o.oid, o.mname from customer c join orders o on c.cid = o.cid order by o.oid")) {
                StringBuilder b = new StringBuilder();
                while (rs.next())
                    b.append(b.length() > 0 ? ";" : "").append(rs.getString(1)).append(",").append(rs.getInt(2)).append(",").append(rs.getString(3));
                System.out.println("join: " + b);
            }
            long id;
            try (PreparedStatement ps = c.prepareStatement("insert into customer(name, balance) values (?, ?)",
                                                           Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, "java");
                ps.setInt(2, 1);
                ps.executeUpdate();
                try (ResultSet k = ps.getGeneratedKeys()) { k.next(); id = k.getLong(1); }
            }
            try (PreparedStatement ps = c.prepareStatement("select name from customer where cid = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    System.out.println("inserted cid " + (id > 0 ? "from the sequence" : "missing") + ": " + rs.getString(1));
                }
            }
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) { s.executeUpdate("update customer set balance = 99 where cid = 1"); }
            c.rollback();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select balance from customer where cid = 1")) {
                rs.next();
                System.out.println("balance after rollback: " + rs.getInt(1));
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*), sum(balance) from customer")) {
                rs.next();
                System.out.println("customers: " + rs.getLong(1) + ", balance: " + rs.getLong(2));
            }
            try (Statement s = c.createStatement()) {
                s.executeQuery("select * from customer.nosuch");
            } catch (SQLException e) {
                System.out.println("error: " + e.getErrorCode() + " " + e.getSQLState());
            }
            try (PreparedStatement ps = c.prepareStatement("delete from customer where cid = ?")) {
                ps.setLong(1, id);
                ps.executeUpdate();
            }
        }
        System.out.println("done");
    }
}
