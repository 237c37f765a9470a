int vr_harness_placeholder_(void); int vr_harness_placeholder_(void){return 0;}
