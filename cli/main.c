#include <stdio.h>
int main(void){puts("vrepl");return 0;}
