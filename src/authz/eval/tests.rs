use super::in_scope;

#[test]
fn scope_is_a_department_subtree() {
    assert!(in_scope(None, "ca/root"));
    assert!(in_scope(Some("信息中心"), "dept/信息中心/seal/official"));
    assert!(!in_scope(Some("信息中心"), "dept/信息中心"));
    assert!(!in_scope(Some("信息"), "dept/信息中心/seal/official"));
    assert!(!in_scope(Some("信息中心"), "ca/信息中心/x"));
}
