/*!40101 SET @saved_cs_client     = @@character_set_client */;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN
  SET NEW.a = 1;
  SET NEW.b = 'x;y';
END */;;
DELIMITER ;
/*!40000 ALTER TABLE `t` DISABLE KEYS */;
LOCK TABLES `t` WRITE;
UNLOCK TABLES;
